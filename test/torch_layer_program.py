"""An unmodified "PyTorch" program (run against test/fake_torch) for the
end-to-end test of the layer's auto-install under the real recorder."""
import torch


def main():
    side = torch.cuda.Stream()
    ev = torch.cuda.Event()
    with torch.cuda.stream(side):
        ev.record()  # LINE-RECORD
    torch.cuda.current_stream().wait_event(ev)
    torch.cuda.synchronize()  # LINE-SYNC
    a, b = torch.cuda.Event(), torch.cuda.Event()
    a.record()
    b.record()
    try:
        a.elapsed_time(b)  # LINE-ELAPSED
    except RuntimeError as e:
        print("elapsed_time raised:", e)
    print("side=%d" % side.cuda_stream)


if __name__ == "__main__":
    main()
