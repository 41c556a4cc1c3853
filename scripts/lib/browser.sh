# shellcheck shell=bash
# Chorus: what the browser tests of the web client need -- Debian's Chromium and its driver, and
# a Python virtual environment with Selenium. Sourced by scripts/test after services.sh.
#
# Public functions
#   ensure_browser        installs what is missing (chromium, chromium-driver, python3-venv as
#                         root through chorus_apt_install; Selenium from PyPI into a venv under
#                         .run/, reused while it has the pinned version), then exports:
#                           CHORUS_TEST_PYTHON        the venv's python
#                           CHORUS_TEST_CHROMEDRIVER  chromedriver (/usr/bin/chromedriver on Debian)
#                           CHORUS_TEST_CHROMIUM      the browser (/usr/bin/chromium on Debian)
#                         Returns non-zero, with a message saying what is missing, on failure.
#   browser_screenshots_dir DIR   DIR made empty (kept after the run: the tests' screenshots,
#                         console logs and page sources); exports CHORUS_TEST_SCREENSHOTS
#
# Settings (environment):
#   CHORUS_BROWSER_VENV   where the venv lives (default: REPO/.run/browser-venv; .run/ is git-ignored)

[[ -n "${_CHORUS_BROWSER_SH:-}" ]] && return 0
_CHORUS_BROWSER_SH=1

# The Selenium the tests are written for (Selenium 4 API; the venv is rebuilt when this changes).
# Not 4.52.0: it needs a certifi (>= 2026.10.23) that PyPI does not serve here.
CHORUS_SELENIUM_VERSION="4.51.0"

# _chorus_browser_bin NAME...: the first of NAME... found (absolute path or on PATH).
_chorus_browser_bin() {
    local name path
    for name in "$@"; do
        if [[ "$name" == /* ]]; then
            [[ -x "$name" ]] && { printf '%s\n' "$name"; return 0; }
        elif path="$(command -v "$name" 2>/dev/null)"; then
            printf '%s\n' "$path"
            return 0
        fi
    done
    return 1
}

# _chorus_venv_python: a python3 that can make a venv with pip (Debian's first: a pyenv shim may
# stand before it on PATH).
_chorus_venv_python() {
    local py
    for py in /usr/bin/python3 "$(command -v python3 2>/dev/null)"; do
        [[ -n "$py" && -x "$py" ]] || continue
        "$py" -c 'import venv, ensurepip' >/dev/null 2>&1 && { printf '%s\n' "$py"; return 0; }
    done
    return 1
}

ensure_browser() {
    local root venv chromium driver py missing=() have
    root="$(chorus_root)"
    venv="${CHORUS_BROWSER_VENV:-$root/.run/browser-venv}"

    chromium="$(_chorus_browser_bin /usr/bin/chromium chromium chromium-browser)" || missing+=(chromium)
    driver="$(_chorus_browser_bin /usr/bin/chromedriver chromedriver)" || missing+=(chromium-driver)
    _chorus_venv_python >/dev/null || missing+=(python3 python3-venv)
    if ((${#missing[@]} > 0)); then
        chorus_apt_install "${missing[@]}" || { chorus_log "browser tests: cannot install ${missing[*]}"; return 1; }
        chromium="$(_chorus_browser_bin /usr/bin/chromium chromium chromium-browser)" \
            || { chorus_log "browser tests: chromium still not found after installing it"; return 1; }
        driver="$(_chorus_browser_bin /usr/bin/chromedriver chromedriver)" \
            || { chorus_log "browser tests: chromedriver still not found after installing chromium-driver"; return 1; }
    fi
    py="$(_chorus_venv_python)" || { chorus_log "browser tests: no python3 with venv and ensurepip (install python3-venv)"; return 1; }

    # The venv: reused while its python runs and has the pinned Selenium.
    have="$("$venv/bin/python" -c 'import selenium; print(selenium.__version__)' 2>/dev/null)" || have=""
    if [[ "$have" != "$CHORUS_SELENIUM_VERSION" ]]; then
        if [[ -n "$have" ]]; then
            chorus_log "browser tests: $venv has selenium $have; installing $CHORUS_SELENIUM_VERSION"
        else
            chorus_log "browser tests: making a Python venv in $venv (selenium==$CHORUS_SELENIUM_VERSION from PyPI)"
            rm -rf "$venv"
            mkdir -p "$(dirname "$venv")"
            if ! "$py" -m venv "$venv" >&2; then
                chorus_log "browser tests: '$py -m venv $venv' failed"
                return 1
            fi
        fi
        if ! "$venv/bin/python" -m pip install --disable-pip-version-check -q "selenium==$CHORUS_SELENIUM_VERSION" >&2; then
            chorus_log "browser tests: pip install selenium==$CHORUS_SELENIUM_VERSION failed (is PyPI reachable?)"
            return 1
        fi
        have="$("$venv/bin/python" -c 'import selenium; print(selenium.__version__)' 2>/dev/null)" || have=""
        [[ "$have" == "$CHORUS_SELENIUM_VERSION" ]] \
            || { chorus_log "browser tests: selenium not importable in $venv after pip install"; return 1; }
    fi

    export CHORUS_TEST_PYTHON="$venv/bin/python"
    export CHORUS_TEST_CHROMEDRIVER="$driver"
    export CHORUS_TEST_CHROMIUM="$chromium"
    chorus_log "browser tests: $("$chromium" --version 2>/dev/null | head -n 1) ($chromium), $driver, selenium $have ($CHORUS_TEST_PYTHON)"
    return 0
}

browser_screenshots_dir() {
    local dir="${1:?usage: browser_screenshots_dir DIR}"
    if ! rm -rf "$dir" || ! mkdir -p "$dir"; then
        chorus_log "browser tests: cannot make $dir"
        return 1
    fi
    CHORUS_TEST_SCREENSHOTS="$(cd -P "$dir" && pwd)"
    export CHORUS_TEST_SCREENSHOTS
}
