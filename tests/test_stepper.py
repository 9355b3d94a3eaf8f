"""The training stepper: one batch per step, epochs, evaluation, determinism, config checks."""
import copy

import pytest
import torch
from torch.testing import assert_close

from bnviz import RunConfig, Stepper, lenet
from bnviz.data.batches import epoch_order, to_float


def test_step_is_one_sgd_step_on_the_right_batch(small_data):
    cfg = RunConfig(batch_size=100, lr=0.5, seed=3)
    stepper = Stepper(cfg, small_data)
    torch.manual_seed(3)
    ref = lenet("custom")  # the same seeded init, trained by hand as the chapter's loop does
    ref.load_state_dict(stepper.model.state_dict())
    opt = torch.optim.SGD(ref.parameters(), lr=0.5)
    perm = epoch_order(1024, 3, 0)
    for b in range(3):
        idx = perm[b * 100:(b + 1) * 100]
        X, y = to_float(small_data.train_images[idx]), small_data.train_labels[idx]
        loss = torch.nn.functional.cross_entropy(ref(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        result = stepper.step()
        assert result.step == b + 1 and result.batch == b and result.size == 100
        assert_close(result.loss_t, loss.detach())
    for (name, a), (_, b) in zip(stepper.model.state_dict().items(), ref.state_dict().items()):
        assert torch.equal(a, b), name


def direct_test_accuracy(model, data):
    """The oracle: prediction mode (eval, no_grad) over every test image in one pass."""
    model = copy.deepcopy(model).eval()
    with torch.no_grad():
        pred = model(to_float(data.test_images)).argmax(1)
    return (pred == data.test_labels).sum().item() / len(data.test_labels)


def test_epochs_last_partial_batch_and_metrics(small_data):
    stepper = Stepper(RunConfig(batch_size=300), small_data)
    assert stepper.steps_per_epoch == 4  # 300, 300, 300, 124
    results = [stepper.step() for _ in range(4)]
    assert [r.size for r in results] == [300, 300, 300, 124]
    assert stepper.epoch == 2 and stepper.batch_in_epoch == 0 and stepper.images_seen == 1024
    (e,) = stepper.epochs
    assert e.epoch == 1 and e.examples == 1024
    # The chapter's epoch line from the steps themselves: loss and accuracy weighted by batch size.
    assert e.loss == pytest.approx(sum(r.loss * r.size for r in results) / 1024, rel=1e-6)
    assert e.train_acc == sum(int(r.correct_t) for r in results) / 1024
    assert e.test_acc == direct_test_accuracy(stepper.model, small_data)  # the weights at the epoch's end
    stepper.run(2)
    assert stepper.images_seen == 1024 + 600 and stepper.epoch == 2 and stepper.batch_in_epoch == 2
    again = Stepper(RunConfig(batch_size=300), small_data)
    again.step()
    last = again.run_to_epoch_end()  # from the middle of the epoch to its end, not beyond
    assert last.size == 124 and again.step_count == 4 and again.epochs == [e]


def test_evaluate_is_prediction_mode_and_leaves_stats_alone(small_data):
    stepper = Stepper(RunConfig(batch_size=128), small_data)
    stepper.run(3)
    before = {k: v.clone() for k, v in stepper.model.state_dict().items()}
    stepper.model.train()
    acc = stepper.evaluate()
    assert stepper.model.training  # evaluate restores the mode it found
    for k, v in stepper.model.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert acc == direct_test_accuracy(stepper.model, small_data)


@pytest.mark.parametrize("norm", ["custom", "torch", "none"])
def test_same_config_same_numbers(small_data, norm):
    runs = []
    for _ in range(2):
        s = Stepper(RunConfig(norm=norm, batch_size=128, seed=5), small_data)
        losses = [s.step().loss for _ in range(6)]
        runs.append((losses, s.model.state_dict()))
    assert runs[0][0] == runs[1][0]
    for k in runs[0][1]:
        assert torch.equal(runs[0][1][k], runs[1][1][k])


@pytest.mark.parametrize("field,value", [("lr", 0.0), ("lr", -1.0), ("batch_size", 1), ("batch_size", 10**6),
                                         ("momentum", 1.0), ("eps", 0.0), ("lr", float("nan")),
                                         ("norm", "group"), ("device", "tpu")])
def test_bad_config_is_a_clear_value_error(field, value):
    with pytest.raises(ValueError, match=field):
        RunConfig(**{field: value})


def test_missing_device_is_a_clear_error(small_data):
    from bnviz.train.config import available_devices
    absent = [d for d in ("cuda", "mps") if d not in available_devices()]
    if not absent:
        pytest.skip("both CUDA and MPS are present here: no absent device to ask for")
    with pytest.raises(ValueError, match="not available on this machine"):
        Stepper(RunConfig(device=absent[0]), small_data)
