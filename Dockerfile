# syntax=docker/dockerfile:1
# Guanxi's HTTP service. Build: docker build -t guanxi .   Run: see docker-compose.yml.

# ---- build: the project and all its dependencies as wheels -----------------------------------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY . .
RUN pip wheel --wheel-dir /wheels .

# ---- run: the installed package only (no sources, no build tools), as a non-root user ---------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GUANXI_DATA_DIR=/data
# cairo paints the maps' PNG and PDF (cairocffi loads the system's libcairo2 and fontconfig).
RUN apt-get update && apt-get install -y --no-install-recommends libcairo2 libfontconfig1 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin guanxi \
    && mkdir /data && chown guanxi:guanxi /data
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links /wheels guanxi && rm -rf /wheels
USER guanxi
WORKDIR /home/guanxi
# Build matplotlib's font cache (the review deck) and load cairo now rather than on the first request.
RUN python -c "import matplotlib.font_manager, cairocffi"
# The embedded store's directory, when no NEO4J_URI is set.
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
CMD ["guanxi", "serve", "--host", "0.0.0.0", "--port", "8000"]
