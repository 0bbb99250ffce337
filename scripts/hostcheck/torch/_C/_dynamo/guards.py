import torch


def assert_size_stride(t, size, stride):
    # as torch's: sizes all, strides of the dims of more than one element
    if tuple(t.shape) != tuple(size):
        raise AssertionError("expected size %s, got %s" % (tuple(size), tuple(t.shape)))
    for n, got, want in zip(size, t.stride(), stride):
        if n > 1 and got != want:
            raise AssertionError(
                "expected stride %s, got %s" % (tuple(stride), t.stride())
            )


def _empty_strided_cuda(size, stride, dtype):
    return torch.Tensor(size, stride, dtype)
