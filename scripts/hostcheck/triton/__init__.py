"""A stand-in for triton: @triton.jit keeps the function, warmup() records
what a kernel is compiled for and returns a launcher that records each
launch (scripts/hostcheck/check.py reads COMPILES and LAUNCHES)."""
import inspect

COMPILES = []
LAUNCHES = []


class Compiled:
    def __init__(self, kernel, signature, constexprs, num_warps):
        self.kernel, self.signature, self.constexprs, self.num_warps = (
            kernel,
            signature,
            constexprs,
            num_warps,
        )
        self.function, self.packed_metadata = kernel.fn.__name__, (num_warps, 1, 0)

    def run(
        self,
        grid_x,
        grid_y,
        grid_z,
        stream,
        function,
        metadata,
        launch_metadata,
        enter_hook,
        exit_hook,
        *args
    ):
        LAUNCHES.append((self, (grid_x, grid_y, grid_z), args))


class JITFunction:
    def __init__(self, fn, debug=False):
        self.fn, self.debug = fn, debug
        self.params = list(inspect.signature(fn).parameters)

    def warmup(
        self,
        *signature,
        grid,
        num_warps,
        num_stages,
        sanitize_overflow=True,
        **constexprs
    ):
        compiled = Compiled(self, signature, constexprs, num_warps)
        COMPILES.append(compiled)
        return compiled


def jit(fn=None, debug=False, **kwargs):
    if fn is None:
        return lambda f: JITFunction(f, debug)
    return JITFunction(fn)


class runtime:
    class Autotuner:
        pass
