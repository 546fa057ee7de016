# Sentinel's image: one image, every role (`sentinel worker`, `beat`, `up`, Flower).
# The base image is a build argument: no registry is needed when a local one is given.
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}
WORKDIR /app
COPY pyproject.toml README.md beat_schedule.py ./
COPY sentinel ./sentinel
COPY workers ./workers
COPY tasks ./tasks
RUN pip install --no-cache-dir . && useradd --system --uid 10001 sentinel
USER sentinel
ENTRYPOINT ["sentinel"]
CMD ["up"]
