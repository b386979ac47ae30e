"""The TwitchDx explorer (Streamlit): ``app.py`` is the entrypoint; :mod:`.state` holds the
scenario as a plain object (no Streamlit), :mod:`.session` ties it to the page (callbacks),
:mod:`.services` caches model calls, and :mod:`.panels` has one module per panel."""
