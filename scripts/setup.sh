#!/usr/bin/env bash
# npm run setup: install what a fresh Debian machine lacks, then the npm packages, then build.
# Running it twice is harmless: each step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian package -> a file it provides.
declare -A needs=(
  [softhsm2]=/usr/lib/softhsm/libsofthsm2.so
  [chromium]=/usr/bin/chromium
  [xvfb]=/usr/bin/xvfb-run
  [openssl]=/usr/bin/openssl
  [opensc]=/usr/bin/pkcs11-tool
  [poppler-utils]=/usr/bin/pdftotext # tests read the transcript PDFs independently
  [libnss3]=/usr/lib/x86_64-linux-gnu/libsoftokn3.so # NSS's softoken: a second PKCS#11 implementation in the tests
  [libnss3-tools]=/usr/bin/certutil                  # makes its database
  # tpm2-pkcs11 on a software TPM: a third PKCS#11 implementation in the tests
  [libtpm2-pkcs11-1]=/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so
  [libtpm2-pkcs11-tools]=/usr/bin/tpm2_ptool
  [swtpm]=/usr/bin/swtpm
  [swtpm-tools]=/usr/bin/swtpm_setup
  [tpm2-tools]=/usr/bin/tpm2_createprimary
  [tpm2-abrmd]=/usr/sbin/tpm2-abrmd
  [libtss2-tcti-tabrmd0]=/usr/lib/x86_64-linux-gnu/libtss2-tcti-tabrmd.so.0
  [dbus-daemon]=/usr/bin/dbus-daemon
  [dbus-bin]=/usr/bin/dbus-send
  # the providers' own clients, which the tests run on the commands bundle READMEs give
  [awscli]=/usr/bin/aws
  [azure-cli]=/usr/bin/az
)
missing=()
for package in "${!needs[@]}"; do
  [ -e "${needs[$package]}" ] || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "setup: these Debian packages are missing: ${missing[*]}" >&2
    echo "setup: install them as root, then run 'npm run setup' again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

echo "setup: installing npm packages (npm ci)"
npm ci --no-audit --no-fund

echo "setup: building Keyward"
npm run build --silent

echo "setup: done. Next: 'npm start' to run Keyward, 'npm test' to run the tests."
