# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Where a host stands in a CA rotation, from its files AND from what its services run (no Ansible).

The stages of ``playbooks/rotate_ca.yml``::

    0  trusts the current CA, presents its current certificate       -> needs (a)
    1  trusts current + next CA (the staged bundle), current cert    -> needs (b)
    2  trusts current + next CA, presents the staged new certificate -> needs (c)
    3  trusts the next CA only, presents the new certificate         -> done

The files say which stage a host's live paths hold (:func:`files_state`). A service reads them
when it starts (or, Galera with the reload method, on ``socket.ssl_reload``), so files installed
after the running process started and not yet reloaded are not in effect: a controller killed
between "install" and "restart" leaves such a host. :func:`node_stage` gives the stage the host
RUNS, from two witnesses read on the host:

* the certificate each live port presents (SHA-256 fingerprints), against the live certificate
  file's: the certificate part is loaded exactly when every port presents the file's certificate;
* the time the oldest of the host's service processes started, against the change time of the
  live files: a process that started after a file changed has read it. A reload leaves no such
  trace, so a trust change loaded by a reload counts as not loaded: the step is then reloaded
  again, which changes nothing on a node that had it already.

A host whose running stage is behind its files' stage is *stale*: the rotation redoes the step
its files are at (restart or reload, the files are already in place) instead of skipping it.
"""

from __future__ import annotations

import typing as t

# (trust, certificate) -> stage
STAGES = {('old', 'old'): 0, ('bundle', 'old'): 1, ('bundle', 'new'): 2, ('new', 'new'): 3}
# The step that brings a host to each stage.
STEP_TO = {1: 'a', 2: 'b', 3: 'c'}
TRUST_TEXT = {'old': 'the current CA', 'bundle': 'current + next CA', 'new': 'the next CA only'}


class RotationError(ValueError):
    """The observations cannot be read as a host's state; the message says which one."""


def _norm(pem: t.Any) -> str:
    if pem is None:
        return ''
    if not isinstance(pem, str):
        raise RotationError(f'expected PEM text, got {type(pem).__name__}')
    return ''.join(pem.split())


def files_state(live_bundle: str, live_cert: str, staged_bundle: str, staged_new: str,
                staged_cert: str) -> dict:
    """Which stage the live files hold: compare the live CA bundle and certificate with the staged
    bundle of (a)-(b), the staged bundle of (c) and the staged certificate (whitespace ignored).

    Returns ``{trust: old|bundle|new, cert: old|new, stage: 0..3 or -1}``; -1 is a mix that no
    step of the rotation produces (e.g. trusts the next CA only but presents the current cert)."""
    live_bundle, live_cert = _norm(live_bundle), _norm(live_cert)
    if not live_bundle or not live_cert:
        raise RotationError('the live CA bundle or certificate is empty')
    if live_bundle == _norm(staged_bundle):
        trust = 'bundle'
    elif live_bundle == _norm(staged_new):
        trust = 'new'
    else:
        trust = 'old'
    cert = 'new' if live_cert == _norm(staged_cert) else 'old'
    return {'trust': trust, 'cert': cert, 'stage': STAGES.get((trust, cert), -1)}


def _epoch(value: t.Any, what: str) -> t.Optional[float]:
    if value is None or value == '':
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise RotationError(f'{what} must be a number of seconds since the epoch, got {value!r}') from exc


def _started_after(started: t.Optional[float], changed: t.Optional[float]) -> bool:
    """The process started in a later second than the file changed. The start time is known to
    the second, rounded down (systemd's ExecMainStartTimestamp): a start in the same second as the
    change counts as before it, so that doubt means "not loaded" (one restart or reload too many)
    and never "loaded" (a stale node skipped)."""
    if changed is None:
        return True
    return int(started) > int(changed)


def node_stage(files_stage: t.Any, started: t.Any = None, bundle_changed: t.Any = None,
               cert_changed: t.Any = None, served: t.Optional[t.Sequence[str]] = None,
               cert_fingerprint: str = '') -> dict:
    """The stage a host runs, and whether it runs older files than it has.

    files_stage     stage of the live files (:func:`files_state`), -1..3
    started         when the oldest of the host's service processes started (epoch seconds);
                    None: no process runs, it reads the files when it starts
    bundle_changed  change time of the live CA bundle (epoch seconds)
    cert_changed    latest change time of the live certificates and keys (epoch seconds)
    served          fingerprints the host's live ports present ('' for a port not read); None or
                    empty: no port is checked (the start time decides for the certificate too)
    cert_fingerprint  the live certificate file's fingerprint (same format as served)

    Returns ``{stage, files_stage, stale, step, reason}``: ``stage`` is what runs (the rotation
    continues from it), ``stale`` is true when the files are ahead of it, ``step`` the step whose
    files are in place but not loaded (a, b or c; '' when not stale), ``reason`` one sentence.
    """
    try:
        files_stage = int(files_stage)
    except (TypeError, ValueError) as exc:
        raise RotationError(f'files_stage must be -1..3, got {files_stage!r}') from exc
    if files_stage not in (-1, 0, 1, 2, 3):
        raise RotationError(f'files_stage must be -1..3, got {files_stage}')
    started = _epoch(started, 'started')
    bundle_changed = _epoch(bundle_changed, 'bundle_changed')
    cert_changed = _epoch(cert_changed, 'cert_changed')
    if served is not None and (isinstance(served, (str, bytes)) or not isinstance(served, (list, tuple))):
        raise RotationError(f'served must be a list of fingerprints, got {type(served).__name__}')

    def result(stage: int, reason: str) -> dict:
        stale = stage < files_stage
        return {'stage': stage, 'files_stage': files_stage, 'stale': stale,
                'step': STEP_TO[files_stage] if stale else '', 'reason': reason}

    if files_stage <= 0:
        return result(files_stage, 'the files hold no step of this rotation yet' if files_stage == 0
                      else 'the files match no stage of this rotation')
    if started is None:
        return result(files_stage, 'no service process runs: it reads the files in place when it starts')

    trust_loaded = _started_after(started, bundle_changed)
    wanted = (cert_fingerprint or '').strip().upper()
    read = [(s or '').strip().upper() for s in (served or [])]
    if read and wanted and all(read):
        cert_loaded = all(s == wanted for s in read)
        cert_witness = ('every live port presents the certificate file' if cert_loaded
                        else 'a live port presents another certificate than the file')
    else:
        cert_loaded = _started_after(started, cert_changed)
        cert_witness = ('the service started after the certificate file changed' if cert_loaded
                        else 'the service started before the certificate file changed')

    if files_stage == 1:
        # (a) changed the bundle only; a reload leaves no trace, so only a restart proves it.
        if trust_loaded:
            return result(1, 'the service started after the CA bundle changed')
        return result(0, 'the service started before the CA bundle of (a) was installed (or loaded it by a reload)')
    if files_stage == 2:
        # Whatever loaded the new certificate (restart or reload) read the bundle installed before it.
        if cert_loaded:
            return result(2, cert_witness)
        return result(1, cert_witness + ': the new certificate of (b) is installed but not loaded')
    # Stage 3: (c) always restarts (a reload cannot drop a trusted CA).
    if trust_loaded and cert_loaded:
        return result(3, 'the service started after the CA bundle of (c) was installed')
    return result(2, 'the service started before the CA bundle of (c) was installed: it still trusts the current CA')


OBSERVED = ('live_bundle', 'live_cert', 'staged_bundle', 'staged_new', 'staged_cert', 'started',
            'bundle_changed', 'cert_changed', 'served', 'cert_fingerprint')


def rotation_stage(observed: t.Any) -> dict:
    """The one decision, from one dict of what was read on the host (keys of OBSERVED; the five
    PEM texts required, the rest optional): files_state and node_stage together, so that
    ``{trust, cert, files_stage, stage, stale, step, reason}``."""
    if not isinstance(observed, dict):
        raise RotationError(f'expected a dict of observations, got {type(observed).__name__}')
    unknown = sorted(set(observed) - set(OBSERVED))
    if unknown:
        raise RotationError(f"unknown observation(s) {', '.join(map(str, unknown))}; known: {', '.join(OBSERVED)}")
    missing = [k for k in OBSERVED[:5] if k not in observed]
    if missing:
        raise RotationError(f"missing observation(s) {', '.join(missing)}")
    files = files_state(*(observed[k] for k in OBSERVED[:5]))
    state = node_stage(files['stage'], observed.get('started'), observed.get('bundle_changed'),
                       observed.get('cert_changed'), observed.get('served'), observed.get('cert_fingerprint') or '')
    return {'trust': files['trust'], 'cert': files['cert'], **state}
