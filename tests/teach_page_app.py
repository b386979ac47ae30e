"""The teaching page alone, for AppTest (tests/test_app_teaching.py); app.py serves the same
``explorer.teaching.page`` as its "Teach" page."""

import streamlit as st

from explorer.teaching import page

st.set_page_config(page_title="TwitchDx · teaching", layout="wide")
page()
