"""Measuring tools of the benchmark: clocks, per-module timers, latency statistics, peak
memory, a reference matrix multiply and a description of the machine."""
from __future__ import annotations

import os
import platform
import re
import resource
import time
from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

#: Resets the process's peak resident set size (Linux >= 4.0).
CLEAR_REFS = '/proc/self/clear_refs'
PROC_STATUS = '/proc/self/status'


def make_clock(device: torch.device) -> Callable[[], float]:
    """A ``perf_counter`` that first waits for the device's queued work (CUDA)."""
    if device.type == 'cuda':
        def clock() -> float:
            torch.cuda.synchronize(device)
            return time.perf_counter()
        return clock
    return time.perf_counter


class ModuleTimer:
    """Wall time spent in the forward passes of chosen modules, summed per phase.

    Forward pre- and post-hooks read ``clock`` (which synchronises CUDA), so the time of a
    phase is what its modules' forward calls took, however deep inside the caller they
    happen. Use as a context manager to remove the hooks.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.seconds: dict[str, float] = defaultdict(float)
        self._started: dict[int, float] = {}
        self._handles: list = []

    def watch(self, module: nn.Module, phase: str) -> None:
        def start(mod: nn.Module, args) -> None:
            self._started[id(mod)] = self.clock()

        def stop(mod: nn.Module, args, output) -> None:
            self.seconds[phase] += self.clock() - self._started.pop(id(mod))

        self._handles += [module.register_forward_pre_hook(start),
                          module.register_forward_hook(stop)]

    def take(self) -> dict[str, float]:
        """The seconds per phase since the last call (and reset them)."""
        taken = dict(self.seconds)
        self.seconds.clear()
        return taken

    def __enter__(self) -> ModuleTimer:
        return self

    def __exit__(self, *exc) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()


def latency_stats(seconds: Sequence[float]) -> dict[str, float]:
    """Median and 90th percentile (linear interpolation) in milliseconds."""
    ms = 1000 * np.asarray(seconds, dtype=np.float64)
    return dict(median_ms=float(np.median(ms)), p90_ms=float(np.percentile(ms, 90)))


class PeakMemory:
    """Peak memory of the phases of a run.

    CPU: the process's peak resident set size (``VmHWM`` of ``/proc/self/status``, else
    ``ru_maxrss``). :meth:`reset` clears it through ``/proc/self/clear_refs`` where the
    kernel allows, so each reading is the peak of its phase (``rss_scope='phase'``);
    otherwise readings are the process peak so far (``rss_scope='process'``).
    ``rss_at_start_mib`` is the resident set when the phase began (the process baseline:
    libraries, model, inputs). CUDA: ``torch.cuda.max_memory_allocated`` since
    :meth:`reset`.
    """

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.rss_scope = 'phase' if self._clear_rss_peak() else 'process'
        self._start_kib = self._status_kib('VmRSS')

    @staticmethod
    def _clear_rss_peak() -> bool:
        try:
            with open(CLEAR_REFS, 'w') as f:
                f.write('5')
        except OSError:
            return False
        return True

    @staticmethod
    def _status_kib(field: str) -> int | None:
        try:
            with open(PROC_STATUS) as f:
                match = re.search(rf'^{field}:\s+(\d+)\s+kB', f.read(), re.MULTILINE)
        except OSError:
            return None
        return int(match.group(1)) if match else None

    def peak_rss_mib(self) -> float:
        kib = self._status_kib('VmHWM')
        return (kib if kib is not None
                else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024

    def reset(self) -> None:
        """Start a phase; its RSS at the start is kept to show what the phase added."""
        if self.rss_scope == 'phase':
            self._clear_rss_peak()
        self._start_kib = self._status_kib('VmRSS')
        if self.device.type == 'cuda':
            torch.cuda.reset_peak_memory_stats(self.device)

    def read(self) -> dict[str, float | str]:
        """The peaks since :meth:`reset` (the RSS one per ``rss_scope``)."""
        reading: dict[str, float | str] = dict(peak_rss_mib=self.peak_rss_mib(),
                                               rss_scope=self.rss_scope)
        if self._start_kib is not None:
            reading['rss_at_start_mib'] = self._start_kib / 1024
        if self.device.type == 'cuda':
            reading['peak_cuda_allocated_mib'] = \
                torch.cuda.max_memory_allocated(self.device) / 2**20
        return reading


def matmul_flops_per_s(size: int, device: torch.device, repeats: int,
                       warmup: int) -> dict[str, float | int | str]:
    """FLOP/s of a float32 ``size x size`` matrix product (``2 size^3`` FLOPs), median of
    ``repeats`` timed products after ``warmup`` untimed ones: the practical limit the
    model's FLOP/s are compared with (same device and threads)."""
    clock = make_clock(device)
    gen = torch.Generator(device=device).manual_seed(0)
    a = torch.randn(size, size, device=device, generator=gen)
    b = torch.randn(size, size, device=device, generator=gen)
    seconds = []
    with torch.inference_mode():
        for i in range(warmup + repeats):
            start = clock()
            torch.mm(a, b)
            if i >= warmup:
                seconds.append(clock() - start)
    return dict(size=size, dtype='float32', flops_per_s=2 * size**3 / float(np.median(seconds)))


def cpu_model() -> str:
    """The CPU model name from ``/proc/cpuinfo`` (or ``platform.processor()``)."""
    try:
        with open('/proc/cpuinfo') as f:
            match = re.search(r'^model name\s*:\s*(.+)$', f.read(), re.MULTILINE)
    except OSError:
        match = None
    return match.group(1).strip() if match else (platform.processor() or 'unknown')


def environment(device: torch.device) -> dict:
    """Software, threads and hardware of the run (with the load average, a sign of
    other work competing for the CPU)."""
    info = dict(torch=torch.__version__, python=platform.python_version(),
                device=str(device), cpu=cpu_model(), logical_cpus=os.cpu_count(),
                threads=torch.get_num_threads(), interop_threads=torch.get_num_interop_threads(),
                load_average_1min=os.getloadavg()[0])
    if device.type == 'cuda':
        info.update(gpu=torch.cuda.get_device_name(device), cuda=torch.version.cuda,
                    cudnn=torch.backends.cudnn.version(),
                    tf32_matmul=torch.backends.cuda.matmul.allow_tf32,
                    tf32_cudnn=torch.backends.cudnn.allow_tf32)
    return info
