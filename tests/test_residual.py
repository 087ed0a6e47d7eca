"""The residual model's one implementation against hand-computed values: the equations,
the r0 update, and residual.solve on a hand-made table (no posterior needed)."""

import math
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from forecast import residual
from forecast import residual_equations as eq
from forecast.residual_inputs import STREAMS, base_draws
from forecast.scenario import PARAMS, AlignmentResearchers
from forecast.scenario import load as load_scenario

ROOT = Path(__file__).resolve().parent.parent
T0 = 2026.0


def inputs(n: int = 1, **values) -> dict[str, np.ndarray]:
    """Per-(cell, draw) inputs (1, n), canonical units; r0 given directly."""
    base = {
        "elasticity": 1.0,
        "research_share": 0.5,
        "compute_doubling": 0.5,
        "attempts_per_year": 1.0,
        "human_discoveries_per_year": 1.0,
        "automated_speed": 10.0,
        "automation_start": 1.0,
        "automation_full": 100.0,
        "multiplier_cap": 100.0,
        "feedback": 0.0,
        "research_growth": 0.0,
        "elasticity_ramp": 0.0,
        "r0": 1.0,
    }
    base.update(values)
    p = {k: np.full((1, n), float(v)) for k, v in base.items()}
    p["log_r0"] = np.log(p["r0"])
    return p


def test_amdahl_engineering_speedup_and_rd_multiplier_by_hand():
    """h = 10 min between 1 min and 100 min: a = ln 10 / ln 100 = 1/2; k = 10:
    S_e = 1 / (1/2 + 1/20) = 20/11. rho = 1/4, r = 4: M = 1 / ((3/4)(11/20) + 1/16) = 80/38."""
    p = inputs(research_share=0.25, r0=4.0, elasticity=0.0)
    c = eq.constants(p, np.array([np.log(10.0)]), (1, 1))
    a = eq.automatable_share(np.log(10.0), c)
    s_e = eq.engineering_speedup(a, c)
    assert a.item() == pytest.approx(0.5, rel=1e-12)
    assert s_e.item() == pytest.approx(20 / 11, rel=1e-12)
    m = eq.rd_multiplier(s_e, np.log(4.0), c)
    assert m.item() == pytest.approx(80 / 38, rel=1e-12)
    # research slower than human (r = 1/2) runs at human pace: S_r = 1, M = 1 / (33/80 + 1/4)
    assert eq.rd_multiplier(s_e, np.log(0.5), c).item() == pytest.approx(80 / 53, rel=1e-12)
    # the share is clipped to 0-1 and the multiplier to the cap
    assert eq.automatable_share(np.log(1e6), c).item() == 1.0
    assert eq.automatable_share(np.log(0.1), c).item() == 0.0
    capped = eq.constants(inputs(multiplier_cap=2.0, r0=1e9), np.array([np.log(1e6)]), (1, 1))
    assert eq.rd_multiplier(np.array(10.0), np.log(1e9), capped).item() == 2.0


def test_volume_doubles_with_compute_and_scales_with_engineering():
    """T_c = 6 months: V(t0 + 1 y) = 4 at constant S_e; S_e doubling too gives 8."""
    c = eq.constants(inputs(), np.array([np.log(10.0)]), (1, 1))
    s_e0 = np.exp(c.log_se0)
    assert np.exp(eq.log_volume(1.0, s_e0, c)).item() == pytest.approx(4.0, rel=1e-12)
    assert np.exp(eq.log_volume(1.0, 2 * s_e0, c)).item() == pytest.approx(8.0, rel=1e-12)
    # eps = 0: throughput stays exactly r0 whatever the volume
    flat = eq.constants(inputs(elasticity=0.0, r0=0.3), np.array([0.0]), (1, 1))
    assert eq.throughput(np.array(1e6), 2.0, flat).item() == 0.3
    # a capability term g: r = r0 exp(g years) whatever the volume (g = ln 2 / 5: x2 in 5 y)
    slow = eq.constants(
        inputs(elasticity=0.0, r0=0.3, research_growth=math.log(2) / 5), np.array([0.0]), (1, 1)
    )
    assert eq.throughput(np.array(1e6), 5.0, slow).item() == pytest.approx(0.6, rel=1e-12)
    assert eq.log_throughput(np.array(0.0), 10.0, slow).item() == pytest.approx(
        math.log(1.2), rel=1e-12
    )
    # an elasticity ramp of 2 years: half of eps after a year, all of it from two years on
    ramp = eq.constants(inputs(elasticity=1.0, elasticity_ramp=2.0), np.array([0.0]), (1, 1))
    assert [eq.elasticity(y, ramp).item() for y in (0.0, 1.0, 2.0, 5.0)] == [0, 0.5, 1, 1]
    assert eq.throughput(np.array(16.0), 1.0, ramp).item() == pytest.approx(4.0, rel=1e-12)
    assert eq.elasticity(1.0, eq.constants(inputs(), np.array([0.0]), (1, 1))).item() == 1.0


def test_r0_update_by_hand():
    """ln(y attempts / human) = (0, 2): variance 1. s_A = 1 / sqrt(1/4) = 2, so K = 1/5;
    with ln(ai / human) = 1 and no noise ln r0 moves a fifth of the way to 1: (0.2, 1.8)."""
    aar = AlignmentResearchers(
        ai_score=math.e, human_score=1.0, weight=0.25, sd_at_full_weight=1.0, why="a hand case."
    )
    yld = np.array([[1.0, math.exp(2.0)]])
    log_r0, gain = eq.log_r0(yld, np.ones((1, 1)), np.ones((1, 1)), np.zeros(2), aar)
    assert gain.item() == pytest.approx(0.2, rel=1e-12)
    np.testing.assert_allclose(log_r0, [[0.2, 1.8]], rtol=1e-12)
    # weight 0: no update
    off = aar.model_copy(update={"weight": 0.0})
    log_r0, gain = eq.log_r0(yld, np.ones((1, 1)), np.ones((1, 1)), np.zeros(2), off)
    np.testing.assert_array_equal(log_r0, np.log(yld))
    assert gain.item() == 0.0


def test_common_random_numbers_per_named_input():
    """The shipped readings differ only in elasticity: with one seed every other input is
    drawn from the same uniforms, so it is identical draw by draw; another seed differs."""
    r1 = load_scenario(ROOT / "scenarios" / "inspiration-binding.toml")
    r2 = load_scenario(ROOT / "scenarios" / "compressed-perspiration.toml")
    a, b, other = base_draws(r1, 500, 7), base_draws(r2, 500, 7), base_draws(r1, 500, 8)
    assert set(a) == set(STREAMS) == {*PARAMS, "erdos_yield", "aar_noise"}
    for k in a:
        if k != "elasticity":
            np.testing.assert_array_equal(a[k], b[k])
    assert np.all(a["elasticity"] == 0.0) and np.all(b["elasticity"] == 1.0)
    assert not np.array_equal(a["erdos_yield"], other["erdos_yield"])


# ---------------------------------------------------------------- solve on a hand-made table


def hand_table(
    n: int = 3, horizon: float = 2036.0, engineering=None, residual_conditions=()
) -> residual.Table:
    """The METR horizon far above automation_full at every date (a = 1, S_e = k = 10);
    r0 = attempts per year (yield 1, one human discovery a year, no r0 update)."""
    grid = np.arange(T0, horizon + residual.STEP / 2, residual.STEP)
    hc = residual.HorizonCurve(
        "unbounded", T0, np.full(n, np.log(1e9)), np.full(n, 0.1), np.zeros(n), np.full(n, np.nan)
    )
    values = {k: v[0] for k, v in inputs(n).items() if k in PARAMS}
    values["attempts_per_year"] = np.resize([0.5, 1.0, 2.0], n)
    draws = {**values, "erdos_yield": np.ones(n), "aar_noise": np.zeros(n)}
    aar = AlignmentResearchers(
        ai_score=1.0, human_score=1.0, weight=0.0, sd_at_full_weight=1.0, why="no update here."
    )
    return residual.Table(
        grid=grid,
        start=T0,
        horizon=horizon,
        ln_h=hc.log_at(grid[:, None]).T,
        horizon_curve=hc,
        draws=draws,
        aar=aar,
        engineering=np.empty((0, n)) if engineering is None else np.asarray(engineering),
        residual=list(residual_conditions),
    )


def test_throughput_first_passage_is_exact_for_exponential_growth():
    """eps = 1, S_e constant: r(t) = r0 2^((t - t0)/T_c), so r >= L at t0 + T_c log2(L / r0)
    (log-linear interpolation between months is exact); r0 >= L: at t0; never by the
    horizon: +inf. Cells sweep T_c; draws have r0 = 1/2, 1, 2."""
    table = hand_table(residual_conditions=[("research_throughput", 8.0)])
    tc = np.array([[0.25], [0.5], [1.0], [6.0]])
    p = residual.cell_params(table, ["compute_doubling"], tc)
    sol = residual.solve(table, p, 4)
    r0 = np.array([0.5, 1.0, 2.0])
    hand = T0 + tc * np.log2(8.0 / r0)[None, :]
    hand[3] = np.inf  # T_c = 6 y: 2038 at the earliest, beyond the 2036 horizon
    np.testing.assert_allclose(sol.residual[:, :, 0], hand, atol=1e-9)
    assert np.all(np.isinf(sol.residual[3, :, 0]))
    table = hand_table(residual_conditions=[("research_throughput", 0.75)])
    sol = residual.solve(table, residual.cell_params(table, [], np.empty((1, 0))), 1)
    assert sol.residual[0, 1, 0] == T0 and sol.residual[0, 2, 0] == T0  # r0 = 1, 2 >= 0.75
    np.testing.assert_allclose(sol.residual[0, 0, 0], T0 + 0.5 * np.log2(1.5), atol=1e-9)


def test_multiplier_passage_brackets_the_hand_date():
    """k = 10, rho = 1/2: M >= 10 iff r >= 1/2 / (1/10 - 1/20) = 10, i.e. at
    t0 + T_c log2(10 / r0); M is not exponential, so the grid date is within a month."""
    table = hand_table(residual_conditions=[("rd_multiplier", 10.0)])
    sol = residual.solve(table, residual.cell_params(table, [], np.empty((1, 0))), 1)
    hand = T0 + 0.5 * np.log2(10.0 / np.array([0.5, 1.0, 2.0]))
    assert np.all(np.abs(sol.residual[0, :, 0] - hand) <= residual.STEP)


def test_feedback_maps_engineering_dates_through_effective_time():
    """eps = 0: r = r0 and M = 1 / (1/20 + 1/(2 max(1, r0))) is constant, so with
    feedback phi effective time runs M^phi times faster than real time after t0: an
    engineering date t_eff is reached at t0 + (t_eff - t0) / M^phi. One chunk mixes
    phi = 0 (closed-form dates kept) with phi = 1/2 and 1 (the stepped recursion)."""
    t_eff = np.array([[2027.0, 2028.0, 2025.5], [2031.0, np.inf, 2026.5]])  # (K = 2, draws)
    table = hand_table(engineering=t_eff, residual_conditions=[("rd_multiplier", 3.0)])
    table.draws["elasticity"] = np.zeros(3)
    phi = np.array([[0.0], [0.5], [1.0]])
    sol = residual.solve(table, residual.cell_params(table, ["feedback"], phi), 3)
    m = 1 / (1 / 20 + 1 / (2 * np.maximum(1.0, [0.5, 1.0, 2.0])))  # 20/11, 20/11, 40/12
    for i, f in enumerate(phi[:, 0]):
        hand = np.where(t_eff <= T0, t_eff, T0 + (t_eff - T0) / m**f)
        np.testing.assert_allclose(sol.engineering[i].T, hand, atol=1e-9)
    # M >= 3 only in the draw with r0 = 2 (M = 10/3), from the start, whatever the feedback
    np.testing.assert_array_equal(sol.residual[:, :, 0], [[np.inf, np.inf, T0]] * 3)


def test_run_trajectories_are_the_recorded_cell():
    """record=True returns the grid trajectories: eps = 0 keeps r = r0 exactly; with
    feedback phi = 1, effective time advances M per year of real time."""
    table = hand_table(n=2)
    table.draws["elasticity"] = np.zeros(2)
    for phi in (0.0, 1.0):
        p = residual.cell_params(table, ["feedback"], np.array([[phi]]))
        tr = residual.solve(table, p, 1, record=True).trajectories
        assert tr is not None and tr["research_throughput"].shape == (1, 2, table.grid.size)
        r = tr["research_throughput"][0]
        np.testing.assert_array_equal(r, np.broadcast_to(p["r0"][0][:, None], r.shape))
        np.testing.assert_allclose(r[:, 0], [0.5, 1.0], rtol=1e-15)
        np.testing.assert_allclose(tr["engineering_speedup"], 10.0, rtol=1e-12)
        np.testing.assert_allclose(tr["attempt_volume"][0, :, 24], 16.0, rtol=1e-10)  # 2 y, T_c 1/2
        m = 1 / (1 / 20 + 1 / 2)
        slope = m**phi
        np.testing.assert_allclose(tr["rd_multiplier"], m, rtol=1e-12)
        np.testing.assert_allclose(tr["effective_time"][0, :, 12], T0 + slope * 1.0, rtol=1e-12)


def test_a_chunk_never_holds_the_time_axis():
    """Sweeps keep memory O(cells x draws): a stepped chunk of 20 cells x 500 draws x 121
    months allocates far less than one (cell, draw, time) array (9.7 MB)."""
    table = hand_table(n=500, residual_conditions=[("rd_multiplier", 10.0)])
    table.engineering = np.full((2, 500), 2030.0)
    cells = np.linspace(0.1, 1.0, 20)[:, None]
    p = residual.cell_params(table, ["feedback"], cells)
    tracemalloc.start()
    residual.solve(table, p, 20)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * 500 * table.grid.size * 8 / 3
