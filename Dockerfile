# stylespace: the library and its command line (the app's entry point arrives with the app).
FROM python:3.11-slim

# cairosvg renders board images through cairo.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libcairo2 libpango-1.0-0 libpangocairo-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt pyproject.toml README.md ./
COPY stylespace ./stylespace
COPY models ./models
RUN pip install --no-cache-dir -r requirements.txt -e .

ENTRYPOINT ["stylespace"]
CMD ["--help"]
