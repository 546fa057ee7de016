# Sentinel's image: one image, every role (`sentinel worker`, `beat`, `watch`, `up`, Flower).
# The base image is a build argument: any Debian-like image with python3 (>= 3.11) and its
# venv module. With no registry, make one locally (scripts/compose-up: debootstrap + import).
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}
# e.g. "--no-index --find-links /src/.wheels" to install from wheels built beforehand, with
# no network during the build.
ARG PIP_INSTALL_OPTIONS=""
COPY . /src
RUN python3 -m venv /opt/sentinel \
 && /opt/sentinel/bin/pip install --no-cache-dir ${PIP_INSTALL_OPTIONS} /src \
 && rm -rf /src \
 && (getent passwd sentinel >/dev/null || useradd --system --uid 10001 sentinel) \
 && mkdir -p /var/lib/sentinel && chown sentinel /var/lib/sentinel
ENV PATH=/opt/sentinel/bin:$PATH PYTHONUNBUFFERED=1
WORKDIR /var/lib/sentinel
USER sentinel
ENTRYPOINT ["sentinel"]
CMD ["up"]
