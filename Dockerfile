# The TwitchDx explorer in a container: one Streamlit server process on port 8501.
# Several of these behind a proxy serve a class: see compose.yaml and docs/serving.md.
#   docker build -t twitchdx .
#   docker run --rm -p 8501:8501 twitchdx
FROM python:3.11-slim-bookworm

# uv installs the exact versions of uv.lock (same as ./run-explorer and .ci/run)
COPY --from=ghcr.io/astral-sh/uv:0.9 /uv /uvx /bin/
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1

WORKDIR /app
# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-install-project --extra app
# The app runs from the source tree (app.py imports model/ and explorer/ beside it).
COPY model ./model
COPY priors ./priors
COPY explorer ./explorer
COPY .streamlit ./.streamlit
COPY app.py ./

# Not root; the priors are read-only for this user (the app never writes them).
RUN useradd --create-home --uid 10001 twitchdx
USER twitchdx
ENV PATH="/app/.venv/bin:$PATH"
EXPOSE 8501
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]
CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501", \
     "--server.headless=true", "--browser.gatherUsageStats=false"]
