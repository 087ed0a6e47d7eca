"""An output directory is published whole or not at all (forecast.publish), and an interrupt
is never lost (forecast.interrupts)."""

import os
import signal
import time

import pytest

from forecast.errors import ForecastError
from forecast.interrupts import terminate_as_interrupt
from forecast.publish import publish


def _leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".partial")]


def test_new_directory_appears_with_every_file(tmp_path):
    out = tmp_path / "deep" / "out"

    def write(d):
        (d / "figures").mkdir()
        for name in ("a.json", "figures/f.png"):
            (d / name).write_text(name)
        return [d / "a.json", d / "figures"]

    paths = publish(out, write)
    assert paths == [out / "a.json", out / "figures"]
    assert (out / "a.json").read_text() == "a.json" and (out / "figures/f.png").exists()
    assert _leftovers(out.parent) == []
    assert oct(out.stat().st_mode & 0o777) != oct(0o700)  # readable like any published output


@pytest.mark.parametrize("fault", [KeyboardInterrupt, OSError, ForecastError])
def test_a_fault_while_writing_leaves_no_directory(tmp_path, fault):
    out = tmp_path / "new" / "out"

    def write(d):
        (d / "a.json").write_text("half of the set")
        raise fault("stop") if fault is not ForecastError else ForecastError("stop", "x")

    with pytest.raises(fault):
        publish(out, write)
    assert not out.exists() and not out.parent.exists(), "created parents are removed too"
    assert _leftovers(tmp_path) == []


def test_a_fault_leaves_the_previous_files(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.json").write_text("previous")

    def write(d):
        (d / "a.json").write_text("new")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        publish(out, write)
    assert (out / "a.json").read_text() == "previous"
    assert sorted(p.name for p in out.iterdir()) == ["a.json"], "the stage inside is gone"


def test_existing_directory_gets_new_files_and_a_whole_new_figures_folder(tmp_path):
    out = tmp_path / "out"
    (out / "figures").mkdir(parents=True)
    (out / "a.json").write_text("old")
    (out / "notes.txt").write_text("the user's own file")
    (out / "figures" / "gone.png").write_text("a figure of an event no longer reported")

    def write(d):
        (d / "figures").mkdir()
        (d / "figures" / "kept.png").write_text("new")
        (d / "a.json").write_text("new")
        return [d / "a.json"]

    publish(out, write)
    assert (out / "a.json").read_text() == "new"
    assert (out / "notes.txt").read_text() == "the user's own file"
    assert sorted(p.name for p in (out / "figures").iterdir()) == ["kept.png"]
    assert _leftovers(tmp_path) == [] and _leftovers(out) == []


def test_a_signal_during_the_move_waits_until_every_file_is_in(tmp_path, monkeypatch):
    """SIGTERM arriving while the files are being moved in is acted on after the last one."""
    out = tmp_path / "out"
    out.mkdir()
    real_replace = os.replace
    calls = []

    def replace(src, dst):
        if not calls:
            os.kill(os.getpid(), signal.SIGTERM)  # held off until the move is done
        calls.append(dst)
        real_replace(src, dst)

    def write(d):
        for name in ("a", "b", "c"):
            (d / name).write_text(name)
        return []

    terminate_as_interrupt()
    monkeypatch.setattr(os, "replace", replace)
    try:
        with pytest.raises(KeyboardInterrupt):
            publish(out, write)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    assert sorted(p.name for p in out.iterdir()) == ["a", "b", "c"]


def test_a_signal_swallowed_while_writing_still_stops_the_publication(tmp_path):
    """Python drops an exception raised in a weakref callback or finaliser; a SIGTERM that
    lands there is lost as an exception but recorded, so the output is not moved into place."""
    out = tmp_path / "out"

    def write(d):
        (d / "a").write_text("a")
        try:  # what an ignored exception in a callback amounts to
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)
        except KeyboardInterrupt:
            pass
        (d / "b").write_text("b")
        return [d / "a", d / "b"]

    terminate_as_interrupt()
    try:
        with pytest.raises(KeyboardInterrupt):
            publish(out, write)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def _swallowing_sampler():
    """What nutpie does on Ctrl-C: stop, and return the draws made so far."""
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    except KeyboardInterrupt:
        return "truncated"
    return "complete"


def test_an_interrupt_a_sampler_swallows_is_raised_again():
    from forecast.interrupts import noted

    terminate_as_interrupt()
    got = []
    try:
        with pytest.raises(KeyboardInterrupt), noted():
            got.append(_swallowing_sampler())
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    assert got == ["truncated"]  # the sampler did stop at once, and its result is not used
