# stylespace: the Streamlit app on the shipped demo model (the CLI is inside too).
#   docker build -t stylespace . && docker run -p 8501:8501 stylespace
FROM python:3.11-slim

# cairosvg draws board images through cairo (and pango for text); curl for the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libcairo2 libpango-1.0-0 libpangocairo-1.0-0 curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt pyproject.toml README.md ./
COPY stylespace ./stylespace
RUN pip install --no-cache-dir -r requirements.txt -e .
COPY app.py ./
COPY .streamlit ./.streamlit
COPY pages ./pages
COPY models ./models

ENV STYLESPACE_MODEL=/app/models/demo \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl --fail http://localhost:8501/_stcore/health || exit 1
CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true"]
