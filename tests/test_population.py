"""Population statistics against a direct full pass."""
import torch
from torch.testing import assert_close

from bnviz import RunConfig, Stepper
from bnviz.data.batches import to_float
from bnviz.debug.population import population_stats


def test_population_matches_a_direct_full_pass_and_changes_nothing(small_data):
    stepper = Stepper(RunConfig(norm="custom", batch_size=128), small_data)
    stepper.run(5)
    model = stepper.model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    images = small_data.train_images[:600]
    pop = population_stats(model, images, batch_size=200)
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
    # Direct: the first BN layer's input is conv1's output; its population is all 600 images at once.
    X = model[0](to_float(images)).detach().double()
    assert_close(torch.from_numpy(pop.mean["1"]), X.mean(dim=(0, 2, 3)))
    assert_close(torch.from_numpy(pop.var["1"]), X.var(dim=(0, 2, 3), unbiased=False))
    batch_vars = torch.stack([X[i:i + 200].var(dim=(0, 2, 3), unbiased=False) for i in (0, 200, 400)])
    assert_close(torch.from_numpy(pop.mean_of_batch_var["1"]), batch_vars.mean(0))
    # A later layer: its input depends on earlier BN layers normalising with batch statistics.
    inputs = []
    for i in (0, 200, 400):
        h = to_float(images[i:i + 200])
        for layer in model[:9]:
            h = layer(h)
        inputs.append(model[9](h).detach().double())
    X10 = torch.cat(inputs)
    assert_close(torch.from_numpy(pop.mean["10"]), X10.mean(dim=0))
    assert_close(torch.from_numpy(pop.var["10"]), X10.var(dim=0, unbiased=False))
