"""Prior predictive check: draw parameters from the priors alone and see what they imply
for the observations (on the logit / log scale) and for the threshold dates."""

from __future__ import annotations

import numpy as np

from .curves import transform
from .forward import event_dates
from .growth import build_model
from .summary import events_summary
from .thresholds import load_plan
from .trajectories import curves, value_at


def prior_predictive(inp, samples: int = 2000, seed: int = 1, thresholds=(), horizon=None) -> dict:
    import logging
    import warnings

    import pymc as pm

    model, design = build_model(inp.rows, inp.priors)
    with model, warnings.catch_warnings():
        # censored rows enter the fit as Potentials, which prior sampling ignores; the
        # predictive below is computed from the parameters, so nothing here is biased
        warnings.filterwarnings("ignore", "The effect of Potentials", UserWarning)
        log = logging.getLogger("pymc")
        level = log.level
        log.setLevel(logging.WARNING)  # PyMC's "Sampling: [...]" line is not this command's
        try:
            prior = pm.sample_prior_predictive(draws=samples, random_seed=seed)
        finally:
            log.setLevel(level)
    c = curves(prior["prior"].to_dataset(), design.t_ref)
    rng = np.random.default_rng(seed)
    obs = []
    for r in (r for r in inp.rows if r.kind == "ai"):
        v = value_at(c, r.series, np.array([r.time]))[:, 0]
        fam = "bounded" if r.bounded else "unbounded"
        noise = getattr(inp.priors, fam).observation_noise
        sd = noise.sd_approximate if r.approximate else noise.sd
        with np.errstate(divide="ignore"):
            # the transform of the curve's value (a share that rounds to 1 gives +inf and is
            # left out of the quantiles), not the likelihood's stable transformed curve
            z = transform(v, r.bounded)
            y = float(transform(r.midpoint, r.bounded))
        z = z + rng.normal(0, sd, z.shape)
        q = np.quantile(z[np.isfinite(z)], [0.05, 0.25, 0.75, 0.95])
        obs.append(
            {
                "benchmark": r.series,
                "date": r.date,
                "scale": "logit" if r.bounded else "log",
                "observed": float(y),
                "q05": float(q[0]),
                "q25": float(q[1]),
                "q75": float(q[2]),
                "q95": float(q[3]),
                "in_50": bool(q[1] <= y <= q[2]),
                "in_90": bool(q[0] <= y <= q[3]),
            }
        )
    plan, _ = load_plan(inp.rows, list(thresholds), horizon)
    d = event_dates(c, plan)
    events = events_summary(d, plan.report_years)
    for t in plan.thresholds:
        events[t.id]["threshold_shown"] = t.shown
    return {
        "samples": samples,
        "seed": seed,
        "priors_hash": inp.priors.digest(),
        "observations": obs,
        "share_in_50": float(np.mean([o["in_50"] for o in obs])),
        "share_in_90": float(np.mean([o["in_90"] for o in obs])),
        "events": events,
    }
