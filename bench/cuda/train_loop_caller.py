"""A call made from deep inside a long function, as a training script's loop
makes it: the torch layer looks up the call site per wrapped call, so its cost
may grow with the caller's size. Shared by bench/torch_api_cpu.py (stand-in
torch) and bench/cuda/torch_api_parts.py (the GPU machine's torch)."""


def big_caller(target, lines=300):
    """A function of `lines` statements (constants, names, arithmetic, as a
    training script's loop has) whose last statement calls target(); returns
    a no-argument callable running only that call."""
    body = "".join("    if k == %d: v%d = x * %d + len('step %d') - %d.5\n" % (i, i, i, i, i) for i in range(lines))
    src = "def loop(fn, x=1, k=-1):\n%s    return fn()\n" % body
    ns = {}
    exec(compile(src, "/home/user/train_loop.py", "exec"), ns)  # noqa: S102 - generated bench code
    loop = ns["loop"]
    return lambda: loop(target)
