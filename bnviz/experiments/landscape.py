"""The loss landscape along the gradient (Santurkar et al. 2018, Sec. 3.1): from the weights w and
the gradient g of one batch, step to w - eta * g for several eta and measure

- loss variation: max - min of L(w - eta g) over the etas (and eta = 0);
- gradient predictiveness: max ||grad L(w) - grad L(w - eta g)|| (small: the gradient stays a good
  guide along the step);
- effective beta-smoothness: max ||grad L(w) - grad L(w - eta g)|| / ||eta g||.

The network runs in training mode (batch statistics) on the same batch throughout; its weights
and buffers are restored afterwards.
"""
import torch
import torch.nn.functional as F


def _loss_and_grad(model, params, X, y):
    loss = F.cross_entropy(model(X), y)
    grads = torch.autograd.grad(loss, params)
    return loss.detach(), torch.cat([g.reshape(-1) for g in grads])


def probe(model, X, y, etas):
    """{"loss variation", "gradient change", "beta smoothness", "gradient norm"} at the weights, on (X, y)."""
    params = [p for p in model.parameters() if p.requires_grad]
    start = [p.detach().clone() for p in params]
    state = {k: v.clone() for k, v in model.state_dict().items()}
    was = model.training
    model.train()
    try:
        loss0, g0 = _loss_and_grad(model, params, X, y)
        losses, changes, smooth = [float(loss0)], [], []
        for eta in etas:
            with torch.no_grad():
                offset = 0
                for p, w in zip(params, start):
                    n = p.numel()
                    p.copy_(w - eta * g0[offset:offset + n].reshape(p.shape))
                    offset += n
            loss, g = _loss_and_grad(model, params, X, y)
            change = float((g - g0).norm())
            losses.append(float(loss))
            changes.append(change)
            smooth.append(change / max(float(eta * g0.norm()), 1e-12))
    finally:
        with torch.no_grad():
            for p, w in zip(params, start):
                p.copy_(w)
        model.load_state_dict(state)
        model.train(was)
    return {"loss variation": max(losses) - min(losses), "gradient change": max(changes),
            "beta smoothness": max(smooth), "gradient norm": float(g0.norm())}
