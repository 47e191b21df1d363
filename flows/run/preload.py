"""Imported once by the forkserver that starts a run's document workers
(`flows/run/pool.py`): what every worker needs is loaded here, once, and
each worker starts as a fork of this process instead of loading it again
(half a second of CPU per worker, while the quality process imports Great
Expectations and the run's own process starts its flow)."""

from flows.run.units import warm_up

warm_up()
