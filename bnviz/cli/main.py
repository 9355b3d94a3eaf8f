"""Command line: `python -m bnviz train ...` runs the chapter's training and prints its lines;
`record`, `experiment` and `ddp` are its other commands."""
import argparse
import sys
import time

from tqdm import tqdm

from ..capturing.layers import find_bn_layers
from ..distributed.cli import add_ddp_command
from ..experiments.cli import add_experiment_command
from ..train.stepper import Stepper
from .options import add_run_options, config_from_args, load_data_or_exit
from .record import add_record_command


def train_epochs(stepper, epochs, out=sys.stdout, on_step=None):
    """Run `epochs` epochs with a progress bar, printing the chapter's per-epoch line; returns ex/s."""
    train_time, examples = 0.0, 0
    for _ in range(epochs):
        bar = tqdm(total=stepper.steps_per_epoch, desc=f"epoch {stepper.epoch}", leave=False,
                   file=sys.stderr, disable=None)
        start = time.perf_counter()
        for _ in range(stepper.steps_per_epoch):
            result = stepper.step()
            if on_step is not None:
                on_step(result)
            bar.update()
        bar.close()
        train_time += time.perf_counter() - start  # includes the epoch-end test evaluation
        e = stepper.epochs[-1]
        examples += e.examples
        print(f"epoch {e.epoch}: loss {e.loss:.3f}, train acc {e.train_acc:.3f}, "
              f"test acc {e.test_acc:.3f}", file=out, flush=True)
    speed = examples / train_time
    print(f"{speed:.1f} examples/sec on {stepper.device}", file=out)
    return speed


def print_first_bn(model, out=sys.stdout):
    """The chapter ends by printing gamma and beta of the first BN layer."""
    layers = find_bn_layers(model)
    if not layers:
        print("no BatchNorm layer (norm=none)", file=out)
        return
    name, layer = next(iter(layers.items()))
    gamma = getattr(layer, "gamma", getattr(layer, "weight", None))
    beta = getattr(layer, "beta", getattr(layer, "bias", None))
    print(f"first BN layer net[{name}] gamma: {gamma.detach().reshape(-1).cpu().tolist()}", file=out)
    print(f"first BN layer net[{name}] beta:  {beta.detach().reshape(-1).cpu().tolist()}", file=out)


def cmd_train(args):
    stepper = Stepper(config_from_args(args), load_data_or_exit(args))
    train_epochs(stepper, args.epochs)
    print_first_bn(stepper.model)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bnviz", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train the chapter's LeNet and print per-epoch lines")
    add_run_options(train)
    train.set_defaults(func=cmd_train)
    add_record_command(sub)
    add_experiment_command(sub)
    add_ddp_command(sub)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except ValueError as err:  # bad settings: a message, not a traceback
        sys.exit(f"error: {err}")
