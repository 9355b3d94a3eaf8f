"""The chapter's run on the full real data set: 10 epochs, lr 1.0, batch 256 (minutes on a CPU)."""
import pytest

from bnviz import RunConfig, Stepper


@pytest.mark.slow
@pytest.mark.parametrize("norm", ["custom", "torch"])
def test_ten_epochs_reach_the_chapters_numbers(full_data, norm):
    stepper = Stepper(RunConfig(norm=norm, device="cpu"), full_data)
    stepper.run(10 * stepper.steps_per_epoch)
    final = stepper.epochs[-1]
    assert len(stepper.epochs) == 10 and final.examples == 60000
    # The same 10-epoch run recorded in bench/results/gpu_check_h200.txt and gpu_check_h100.txt
    # ('epoch 10: loss 0.266, train acc 0.902'; both norms' epoch lines agree there). On a CPU the
    # sums run in another order and the run drifts from it: a band around those numbers, not them.
    assert 0.22 < final.loss < 0.32, final
    assert 0.88 < final.train_acc < 0.93, final
    # Test accuracy jumps between epochs (that is for the tool to explain), so only a loose floor.
    assert max(e.test_acc for e in stepper.epochs) > 0.8
