"""Where the computation runs: the torch device and the intra-op threads.

Thread policy.

The models of this package are small: a step multiplies matrices of a few
hundred rows and columns, too little work to split across cores. A second
intra-op thread makes a fit alone only a little faster, but when another busy
process shares the cores torch's OpenMP workers spin while they wait for each
other and the fit becomes many times slower (``benchmarks/bench_threads.py``,
docs/threads.md). One thread per fit keeps both cases fast, and several fits
(``GridSearchCV(n_jobs=k)``) then use the cores in parallel.
"""

import functools
import os
from contextlib import contextmanager

import torch
from threadpoolctl import threadpool_limits

__all__ = [
    "available_cores",
    "bf16_supported",
    "forked_rng",
    "resolve_device",
    "resolve_n_threads",
    "torch_threads",
]


def available_cores():
    """Cores this process may run on: its CPU affinity, else ``os.cpu_count()``.

    Thread-limit variables (``OMP_NUM_THREADS``, set by joblib's loky workers
    to their share of the cores) already cap torch's own setting, which is
    also taken into account.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, torch.get_num_threads()))


def resolve_n_threads(n_threads, device):
    """The intra-op thread count to use, or ``None`` to leave torch alone.

    ``n_threads`` given: exactly that many; ``-1``: every core this process
    may use (:func:`available_cores`). ``None`` on a CPU device: one thread
    (see the module docstring). ``None`` on an accelerator: torch's setting,
    since the CPU only feeds batches there.
    """
    if n_threads == -1:
        return available_cores()
    if n_threads is not None:
        return int(n_threads)
    if torch.device(device).type != "cpu":
        return None
    return 1


@functools.cache
def bf16_supported(device_type):
    """Whether bfloat16 autocast pays on ``device_type``: CUDA, or a CPU
    with native bfloat16 instructions (AVX-512 BF16 or AMX), where oneDNN
    runs the image CNN's training step faster than float32 (measured:
    docs/image_speed.md); elsewhere it would be emulated, slower than
    float32. Cached: the training loop asks every batch."""
    if device_type == "cuda":
        return True
    if device_type != "cpu" or not torch.backends.mkldnn.is_available():
        return False
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


@contextmanager
def torch_threads(n_threads):
    """Use ``n_threads`` torch and BLAS threads inside the block, then restore.

    NumPy's BLAS (the SVDs of the collapse diagnostics and the projection)
    is limited too: OpenBLAS workers also spin after each call, which with
    torch alone on one thread still slowed a fit beside a second busy
    process (docs/benchmarks.md, "Thread policy").
    """
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        with threadpool_limits(limits=n_threads, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(previous)


def forked_rng(device):
    """Torch's global generators inside the block, restored after it.

    ``torch.manual_seed`` reseeds the CPU generator and every CUDA device's,
    so on CUDA all of them are saved and restored, not only the CPU's.
    """
    devices = []
    if torch.device(device).type == "cuda":
        devices = list(range(torch.cuda.device_count()))
    return torch.random.fork_rng(devices=devices)


def resolve_device(device):
    """Check ``device`` before any work and resolve ``"auto"``.

    A name torch does not know, or an accelerator this machine or torch build
    lacks, raises a ``ValueError`` at the start of ``fit`` instead of a torch
    error deep inside training.
    """
    if isinstance(device, str) and device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a torch device; use 'cpu', 'cuda', "
            "'cuda:<index>' or 'auto'."
        ) from exc
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} but torch finds no CUDA GPU here (this torch "
            f"build is {torch.__version__}); use device='cpu' or device='auto'."
        )
    if parsed.type == "cuda" and parsed.index is not None:
        if parsed.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} but only {torch.cuda.device_count()} CUDA "
                "device(s) are visible."
            )
    if parsed.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device={device!r} but MPS is not available here.")
    return device if isinstance(device, str) else str(parsed)
