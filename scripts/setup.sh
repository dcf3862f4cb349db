#!/usr/bin/env bash
# Installs what building and testing need on a fresh Debian machine with Swift: Debian packages
# through apt-get (only those missing) and a local Python venv for the model tooling.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v swift >/dev/null || { echo "error: Swift 6.x is needed (https://swift.org/install)" >&2; exit 1; }

missing=()
command -v python3 >/dev/null || missing+=(python3)
python3 -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv)
command -v sha256sum >/dev/null || missing+=(coreutils)
# The MQTT agent: libmosquitto to build against, the broker and clients for its tests and demo.
pkg-config --exists libmosquitto 2>/dev/null || missing+=(libmosquitto-dev pkg-config)
[ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null || missing+=(mosquitto)
command -v mosquitto_pub >/dev/null || missing+=(mosquitto-clients)
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
# The intent data generator's tests run in `make test`: small, pure-Python packages. pip leaves
# pinned versions that are already installed alone (no network), and follows a changed pin.
.venv/bin/python -m pip install --quiet -r scripts/data/requirements.txt
# The 2025-07 tests' conventions come from the templates of their time: that release, beside the
# current one, for `generate.py --also-templates` (a different version of the same package, so
# in a folder of its own).
[ -f .venv/intents-2025.6.23/home_assistant_intents/data/en.json ] || \
    .venv/bin/python -m pip install --quiet --no-deps --target .venv/intents-2025.6.23 home-assistant-intents==2025.6.23
