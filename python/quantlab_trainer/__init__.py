"""quantlab-ml XGBoost trainer: load dataset.npz, train, predict, write outputs. Nothing else.

Run as ``python -m quantlab_trainer --job job.json --data dataset.npz --out DIR``.
See python/README.md for the full contract.
"""

__version__ = "0.1.0"
