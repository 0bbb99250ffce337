"""The CUDA activity of a callable, from torch's profiler, for the GPU
scripts: which kernels a call launches and how long they run."""
import torch


def cuda_events(fn, calls):
    # One call first, so that compilation and caches stay out of it; then
    # the device events of `calls` calls.
    fn()
    torch.cuda.synchronize()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
        for _ in range(calls):
            fn()
        torch.cuda.synchronize()
    return [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
