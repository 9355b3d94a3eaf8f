"""Options every training command shares (train, record) and what they build: config, data."""
import sys

from ..data.fashion_mnist import BadDataError, DataNotFoundError, load_fashion_mnist
from ..train.config import RunConfig


def add_run_options(parser):
    """The options every training command shares, with the chapter's defaults."""
    d = RunConfig()
    parser.add_argument("--norm", choices=["custom", "torch", "none"], default=d.norm,
                        help="custom: the chapter's BatchNorm; torch: nn.BatchNorm2d/1d; none: no BN")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=d.lr)
    parser.add_argument("--batch-size", type=int, default=d.batch_size)
    parser.add_argument("--momentum", type=float, default=d.momentum,
                        help="BN momentum, chapter's convention (0.9 = PyTorch's 0.1)")
    parser.add_argument("--eps", type=float, default=d.eps)
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--device", default=d.device, help="auto | cpu | cuda | mps")
    parser.add_argument("--data", default=None, help="folder with the Fashion-MNIST IDX files")
    parser.add_argument("--download", action="store_true", help="try torchvision's download too")


def config_from_args(args):
    """A RunConfig from parsed options."""
    return RunConfig(norm=args.norm, lr=args.lr, batch_size=args.batch_size, momentum=args.momentum,
                     eps=args.eps, seed=args.seed, device=args.device)


def load_data_or_exit(args):
    """Load the data, or print the clear error and exit with status 2."""
    try:
        data = load_fashion_mnist(args.data, download=args.download)
    except (DataNotFoundError, BadDataError) as err:
        sys.exit(f"error: {err}")
    print(f"data: {data.describe()}", flush=True)
    return data
