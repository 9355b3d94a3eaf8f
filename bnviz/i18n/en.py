"""English: the app's words, keys by place; `{named}` placeholders for computed numbers."""

TEXTS = {
    # --- words used in several places ---------------------------------------------------------
    "word.biased": "biased",
    "word.unbiased": "unbiased",
    "word.all_channels": "all channels",

    # --- explain: what a teacher would say beside each panel (bnviz/app/explain.py) ---------------
    "explain.edition": (
        "*Dive into Deep Learning*, Chinese edition (PyTorch): `moving = momentum × moving + "
        "(1 − momentum) × batch` with momentum 0.9. The English edition's current text writes "
        "`moving = (1 − momentum) × moving + momentum × batch` instead, as PyTorch does."),
    "explain.distributions": """**What BN does to one batch.** Top left: the values arriving at the BN layer. Top
right: after subtracting the batch mean μ and dividing by √(σ² + ε) (x̂): one channel's x̂ has mean
exactly 0 and standard deviation √(σ²/(σ² + ε)), just under 1 — the red curve is N(0, 1) for
comparison (switch off *all channels pooled* to see one channel alone). Bottom: γ and β, learned
by SGD, stretch and shift x̂ again; then the {activation} squashes it. Where many values sit beyond
±{limit:.3g} the {activation} is *saturated*: its slope there is below {slope:.3f}, and
gradients hardly pass. Each chart counts a random sample of the batch's values (the title says how
many): every value has the same chance to be drawn.""",
    "explain.over_time": """**How the distribution moves while the network learns.** Each column is one step's
histogram, every channel pooled; the bins stay fixed so columns compare, and the colour is the
*share* of that step's values in a bin (an epoch's smaller last batch looks the same as a full
one). Without BN the input of a sigmoid drifts as the earlier layers change (the BN paper's
*internal covariate shift*); with BN the output keeps a steady shape. The bands are the 15th, 50th
and 85th percentiles, as in the BN paper's Figure 1 — here of all channels pooled, from a random
sample of the batch's values.""",
    "explain.channel_over_time": """One channel: its mean and mean ± 1 standard deviation (biased: divided by
n) at every recorded step, computed from *every* value of the batch. In training mode x̂'s mean is
exactly 0 and its standard deviation √(σ²/(σ² + ε)); the output's are β and |γ| times that.""",
    "explain.no_channel_histogram": (
        "Per-channel histograms are kept for the newest {raw_keep} steps of a live run only "
        "(recordings keep the pooled ones): showing all channels pooled."),
    "explain.moving.cumulative": (
        "**How the {name} statistics converge.** This `nn.BatchNorm` has `momentum=None`: a "
        "*cumulative* average, `{name} = {name} + (batch − {name}) / k` at the k-th update — "
        "every batch so far weighs the same, 1/k (after {steps_done} steps: 1/{k_now}). "
        "It converges on the average batch statistic, but follows a change of the weights "
        "more and more slowly."),
    "explain.moving.rule_torch": "`running = (1 − {p:g}) × running + {p:g} × batch` (PyTorch's momentum {p:g})",
    "explain.moving.rule_chapter": "`moving = {m:g} × moving + {q:g} × batch` (the chapter's momentum {m:g})",
    "explain.moving.newest_only": (
        "**How the {name} statistics converge.** With momentum {m:g} in the chapter's convention "
        "the layer updates {rule}: it keeps only the newest batch's statistics, no average."),
    "explain.moving.never": (
        "**How the {name} statistics converge.** With momentum {m:g} in the chapter's convention "
        "the layer updates {rule}: it never moves from its start (mean 0, variance 1)."),
    "explain.moving.ema": """**How the {name} statistics converge.** At every training step the layer updates
{rule}: an exponential moving average. A batch k steps old weighs (1 − m)·m^k, so:
the average age of what it averages (its effective window) is
1 / (1 − m) = **{mean_age:.3g} steps** (counting the newest batch as 1 step old); a
batch's weight falls by a factor e every
−1 / ln m = {e_folding:.2f} steps and halves every ln 2 / −ln m = {half_life:.2f}
steps. The start (mean 0, variance 1) still weighs m^k: after {steps_done} steps
{m:g}^{steps_done} = **{start_weight:.3g}**.""",
    "explain.legend.var_torch": "unbiased (× n/(n−1), what `running_var` stores)",
    "explain.legend.var_chapter": "biased (what `moving_var` stores)",
    "explain.legend.last_batch": "; an epoch's last batch has {last_batch}",
    "explain.legend.noise": (
        " (2) its own noise: an EMA with m = {m:g} is only as steady as an average of "
        "(1 + m)/(1 − m) = {batches_worth:.3g} independent batches, so it "
        "wobbles even while the weights stay fixed;"),
    "explain.legend": """Grey: the statistic of each batch (noisy: it depends on which {batch_size} images were
drawn{last}). Blue: the moving statistic that prediction mode will use. Red diamonds: what it
estimates — the average over all the training set's batches of the same batch statistic, with the
current weights (at each epoch end, and when you press the button). Variances here are {var}, on
all three. The gap (bottom) is blue minus red; it is made of: (1) lag: the average weighs batches
seen with older weights, which keep changing;{noise} and nothing else — both sides use one
definition.""",
    "explain.gamma_beta": """**γ and β are ordinary parameters**, trained by SGD like the weights. They let the
network undo the normalisation where that helps: γ = √(σ² + ε) and β = μ would give back this
batch's input exactly — but only approximately for the next batch, because μ and σ² change with
every batch while γ and β are shared by all of them.""",
    "explain.training": """**Training.** Grey: loss and accuracy of each batch, measured before its update. Lines:
the chapter's per-epoch numbers; test accuracy is measured in prediction mode, with the moving
statistics — if they are stale, test accuracy can drop while training accuracy rises.""",
    "explain.inside": """**Step into one BN step.** The real numbers of one channel at the newest step: the batch
mean μ and variance σ² (biased: divided by n, the values per channel), ε, a few real inputs x going
to x̂ and to y, and the update of the moving statistics with its arithmetic. *Recorded* values come
from the layer itself.""",
    "explain.no_bn": """This model has **no BatchNorm layer** (variant "no BN"), so there is nothing to show
here. Choose the chapter's BN or `nn.BatchNorm` in the sidebar and press Reset to compare.""",
    "explain.modes": """Each row ran a real layer once on the same batch, with its moving statistics set far from
the batch's (mean 10, variance 4), so the output tells which statistics normalised it. The chapter
chose the mode by `torch.is_grad_enabled()`: under `eval()` alone (gradients still on) its layer
**still normalises with the batch and updates its moving statistics** — evaluate under
`torch.no_grad()` too. PyTorch and bnviz's fixed layer follow `self.training` instead.""",
    "explain.figure1": """The BN paper (Ioffe & Szegedy, 2015, Figure 1: MNIST, three hidden layers of 100
sigmoid units, batch 60) followed **one typical unit** of the last hidden layer: the 15th, 50th and
85th percentiles of its input over training. Without BN they drifted; with BN the distribution was
"much more stable". Here the percentiles **pool every unit** of the chosen sigmoid's input (a random
sample of its values each step), and both LeNets start from the same weights and see the same
batches. Test accuracy uses the first {eval_images:,} test images. With lr 1.0 the no-BN net barely
learns in the first few hundred steps — that is the result, not a bug.""",
    "explain.twin": """Both layers get the same initial weights and the same batches. They should agree to
float32 rounding: the differences (absolute: the largest over every value of a statistic) start
at rounding level and grow as SGD amplifies them — the table shows by how much in this run. The exception is
`moving_var` as stored: the chapter keeps the biased batch variance, PyTorch the unbiased one,
× n/(n−1), where n is the values per channel: N·H·W after a convolution ({batch_size}·{conv_values}
= {n:,} for the first BN layer), N = {batch_size} after a linear layer.
Carried through PyTorch's update, the chapter's values agree again.""",
    "explain.precise": """Prediction mode normalises with the *moving* statistics, an average over recent batches
computed with *older* weights. Precise statistics recompute what they estimate with the current
weights frozen: the average over the training set's batches of the batch mean and variance — for
`nn.BatchNorm` (unbiased variance) exactly as `torch.optim.swa_utils.update_bn` does; for the
chapter's layer, which `update_bn` does not handle, bnviz installs the same average with the biased
variance it stores. If test accuracy with precise statistics is much higher, stale moving
statistics cost accuracy; if both are low, the weights themselves are at fault.""",

    # --- the live page's panels (bnviz/app/panels.py) ----------------------------------------------
    "panel.name.distributions_now": "Distributions now",
    "panel.name.over_time": "Over time",
    "panel.name.moving_mean": "Moving mean",
    "panel.name.gamma_beta": "γ and β",
    "panel.name.training": "Training",
    "panel.name.inside_one_step": "Inside one step",
    "panel.name.precise_statistics": "Precise statistics",
    "panel.nothing_recorded": "Nothing recorded yet: press **Step** (or **Run**) to train one batch.",
    "panel.moving_mean.population_button": "Recompute the population statistics now",
    "panel.moving_mean.population_help": "One pass over the whole training set with the current weights (about a second).",
    "panel.moving_mean.numbers": (
        "At step {step}, channel {channel}: moving mean {moving_mean:.5f}, "
        "average batch mean {target_mean:.5f}; moving variance ({kind}) "
        "{moving_var:.5f}, average batch variance ({kind}) "
        "{target_var:.5f}. The variance over every training value (biased) is "
        "{whole_var:.5f}: it also holds the spread between the batches' means."),
    "panel.training.epoch": "epoch",
    "panel.training.loss": "loss",
    "panel.training.train_acc": "train acc",
    "panel.training.test_acc": "test acc",
    "panel.inside.heading": ("**Step {step}, layer {layer}, channel {channel}** — normalised with {mode}, "
                             "over n = {n:,} values per channel."),
    "panel.inside.mode_batch": "this batch's mean and (biased) variance",
    "panel.inside.mode_moving": "the moving statistics (prediction mode)",
    "panel.inside.mean": "μ (mean)",
    "panel.inside.variance": "σ² (variance)",
    "panel.inside.layer_output": "y the layer output",
    "panel.inside.raw_live": "Raw values are kept for the newest 8 steps only; step again to see them.",
    "panel.inside.raw_recording": "Recordings keep the statistics, not the raw values; open a live run to see x → x̂ → y.",
    "panel.inside.checks": ("Largest difference between the arithmetic above and what the layer recorded: "
                            "{largest:.2g} (float32 rounding)."),
    "panel.inside.update.recorded": "recorded:",
    "panel.inside.update.unbiased": "unbiased batch variance σ²·n/(n−1)",
    "panel.inside.update.biased": "biased batch variance σ²",
    "panel.inside.update.cumulative": "This nn.BatchNorm has momentum=None: a cumulative average, not an EMA.",
    "panel.inside.update.unchanged": "The moving statistics did not change in this pass (prediction mode).",
    "panel.precise.needs_live": ("Precise statistics need the weights of a live run; recordings keep only statistics. "
                                 "Switch to *Live training* to compare."),
    "panel.precise.button": "Compare now",
    "panel.precise.help": "Recompute the statistics over the training set and test both (a few seconds).",
    "panel.precise.step": "step",
    "panel.precise.epoch_end": "epoch end",
    "panel.precise.acc_moving": "test acc, moving stats",
    "panel.precise.acc_precise": "test acc, precise stats",
    "panel.precise.difference": "difference",
    "panel.precise.when": "Computed at every epoch end, or now with the button.",

    # --- figures (bnviz/figures/*.py) ---------------------------------------------------------------
    "axis.step": "step",
    "axis.value": "value",
    "axis.count": "count",
    "axis.mean": "mean",
    "axis.variance": "variance",
    "axis.moving_minus_average": "moving − average",
    "axis.cross_entropy": "cross-entropy",
    "axis.share_correct": "share correct",
    "figure.quantity.input": "input x (before BN)",
    "figure.quantity.x_hat": "x̂ = (x − μ) / √(σ² + ε)",
    "figure.quantity.output": "output y = γ·x̂ + β",
    "figure.quantity.activation": "after the activation",
    "figure.dist.after": "after the {activation}",
    "figure.dist.hover": "%{{x:.3f}}: %{{y}} values<extra></extra>",
    "figure.dist.outside": "{quantity}: {below} below, {above} above the range",
    "figure.dist.spike": ("the tall input bar at {value:.3g} holds {percent:.0f}% of the values: real "
                          "(equal values, e.g. a convolution over blank background outputs exactly its bias)"),
    "figure.dist.saturated": " · saturated (|y| > {limit:.3g}): {percent:.1f}%",
    "figure.dist.all_values": "all values",
    "figure.dist.sample": "a random {used:,} of {total:,} values",
    "figure.dist.channel": "channel {channel} ({count:,} of them)",
    "figure.dist.title": "layer {layer}, step {step}, {which}: counts of {sample}{saturated}",
    "figure.heat.colorbar": "share of<br>the step's<br>values",
    "figure.heat.hover": "step %{{x}}<br>value %{{y:.3f}}<br>share %{{z:.2%}}<extra></extra>",
    "figure.heat.title": ("layer {layer}: {quantity} over steps, all channels "
                          "(fixed range {low:.3g} … {high:.3g}; {percent:.2f}% of values fell outside it)"),
    "figure.channel.band": "mean ± 1 standard deviation (biased)",
    "figure.channel.mean": "mean",
    "figure.channel.title": "layer {layer}, channel {channel}: {quantity} over steps (every value of each batch)",
    "figure.pct.sigmoid_input": "sigmoid input",
    "figure.pct.bn_input": "BN input",
    "figure.pct.of_output": "BN output (the sigmoid input)",
    "figure.pct.title": ("layer {layer}: 15th, 50th and 85th percentiles of the {which}, "
                         "all channels ({used:,} random values a step)"),
    "figure.bands.range": "{label}: 15–85th",
    "figure.bands.median": "{label}: median",
    "figure.conv.batch_mean": "batch mean (this batch)",
    "figure.conv.batch_var_unbiased": "batch variance, unbiased (this batch)",
    "figure.conv.batch_var_biased": "batch variance, biased (this batch)",
    "figure.conv.running_var": "running_var (unbiased)",
    "figure.conv.moving_var": "moving_var (biased)",
    "figure.conv.mean_title": "mean of channel {channel}",
    "figure.conv.var_title": "variance of channel {channel} ({kind})",
    "figure.conv.gap_title": "gap: moving − average over the training set's batches",
    "figure.conv.target": "average over the training set's batches (current weights)",
    "figure.conv.mean_gap": "mean gap",
    "figure.conv.var_gap": "variance gap",
    "figure.gb.gamma": "γ (scale)",
    "figure.gb.beta": "β (shift)",
    "figure.training.loss": "loss",
    "figure.training.accuracy": "accuracy",
    "figure.training.batch_loss": "batch loss",
    "figure.training.batch_acc": "batch accuracy (train)",
    "figure.training.epoch_loss": "epoch mean loss",
    "figure.training.epoch_train_acc": "epoch train acc",
    "figure.training.test_acc": "test acc (prediction mode)",
    "figure.net.bn": "BN",
    "figure.net.no_bn": "no BN",
    "figure.fig1.pct_title": "input of sigmoid #{sigmoid}: 15th, 50th, 85th percentiles",
    "figure.fig1.acc_title": "test accuracy",
    "figure.fig1.net": "{net} (lr {lr:g})",
    "figure.fig1.acc": "{net}: test accuracy",
    "figure.twin.title": "chapter's BN vs nn.BatchNorm: largest absolute difference",
    "figure.twin.loss": "loss",
    "figure.twin.stored": "moving_var as stored (meant to differ: biased vs unbiased)",
    "figure.twin.converted": "moving_var after conversion",
    "figure.precise.moving": "moving statistics (what prediction mode uses)",
    "figure.precise.precise": "recomputed over the training set (precise)",
    "figure.precise.title": "test accuracy",

    # --- the experiments page (bnviz/app/experiments.py, cards.py) ---------------------------------
    "experiments.tab.label": "Experiment",
    "experiments.tab.cards": "Cards",
    "experiments.tab.mode_matrix": "Mode matrix",
    "experiments.tab.figure1": "Figure 1",
    "experiments.tab.twin": "Twin run",
    "experiments.modes.title": "The mode matrix: train()/eval() × gradients on/off",
    "experiments.modes.layer": "layer",
    "experiments.modes.module": "module",
    "experiments.modes.gradients": "gradients",
    "experiments.modes.normalises_with": "normalises with",
    "experiments.modes.moving_change": "moving statistics change",
    "experiments.modes.note": "note",
    "experiments.modes.chapter_layer": "the chapter's BatchNorm (is_grad_enabled rule)",
    "experiments.modes.bnviz_layer": "bnviz.BatchNorm (self.training rule)",
    "experiments.modes.on": "on",
    "experiments.modes.batch_statistics": "batch statistics",
    "experiments.modes.moving_statistics": "moving statistics",
    "experiments.modes.neither": "neither (unexpected)",
    "experiments.modes.trap": "the trap: eval() alone is not enough",
    "experiments.modes.quiet_switch": "train() under no_grad quietly switches to prediction",
    "experiments.fig1.title": "The BN paper's Figure 1, on this LeNet",
    "experiments.steps": "Steps",
    "experiments.fig1.lr_plain": "lr of the no-BN net",
    "experiments.fig1.lr_bn": "lr of the BN net",
    "experiments.fig1.sigmoid": "Sigmoid",
    "experiments.fig1.sigmoid_0": "after conv 1",
    "experiments.fig1.sigmoid_1": "after conv 2",
    "experiments.fig1.sigmoid_2": "after linear 1",
    "experiments.fig1.sigmoid_3": "after linear 2 (the last hidden)",
    "experiments.fig1.run": "Train both side by side",
    "experiments.fig1.training": "training both nets…",
    "experiments.progress_step": "step {done} of {total}",
    "experiments.twin.title": "Twin run: the chapter's BatchNorm vs nn.BatchNorm",
    "experiments.twin.run": "Step both",
    "experiments.twin.step": "step {step}",
    "experiments.twin.grew": ("In this run the largest difference of the batch means went from "
                              "{first:.2g} at step {first_step} to {last:.2g} at step {last_step}."),
    "experiments.twin.reset": "Start the twin run again",
    "experiments.fork.title": "Fork from here",
    "experiments.fork.intro": ("Branch a counterfactual off this run: from the chosen step, one copy of the model "
                               "continues the original and another trains with one change, both on the same "
                               "batches. The live run is not touched: it stays at its step with its numbers."),
    "experiments.fork.from_step": "Fork at step",
    "experiments.fork.from_step_help": ("Now, or an earlier step (a rewind point): the model at that step is "
                                        "rebuilt from the nearest snapshot by exact replay, in a copy."),
    "experiments.fork.change": "Change",
    "experiments.fork.change.lr": "learning rate × k",
    "experiments.fork.change.group": "BN → GroupNorm (LayerNorm after linear layers)",
    "experiments.fork.change.layer": "BN → LayerNorm",
    "experiments.fork.change.none": "BN → nothing (BN removed)",
    "experiments.fork.change.frozen": "frozen BN statistics (normalise with the moving ones, which stay fixed)",
    "experiments.fork.change.batch": "another batch size",
    "experiments.fork.factor": "k (the fork's lr = lr × k)",
    "experiments.fork.batch_size": "The fork's batch size",
    "experiments.fork.steps": "Steps (each copy)",
    "experiments.fork.run": "Fork and train both",
    "experiments.fork.pause_first": "Pause the run to fork it.",
    "experiments.fork.waiting": "waiting for a training slot…",
    "experiments.fork.replaying": "rebuilding the model at step {step}…",
    "experiments.fork.progress": "step {done} of {total}, original and fork",
    "experiments.fork.failed": "The fork failed: {error}. The live run is unchanged.",
    "experiments.fork.bad_factor": "k must be a number above 0 and at most {top:g}; it is {value}.",
    "experiments.fork.bad_batch": "The fork's batch size must be a whole number from 1 to {top:,}; it is {value}.",
    "experiments.fork.bad_steps": "Steps must be a whole number from 1 to {top}; it is {value}.",
    "experiments.fork.bad_step": "The fork's step must be a whole number from 0 to the run's step {now}; it is {value}.",
    "experiments.fork.no_bn": ("This run has no BN layer to replace or freeze: choose the learning rate or the "
                               "batch size, or press Reset with a model that has BN."),
    "experiments.fork.test_acc": ("Test accuracy after step {step:,}: original {original:.2%}, fork {fork:.2%} "
                                  "({images:,} test images, moving statistics)."),
    "experiments.fork.diverged": "The fork diverged at step {step:,} (its first non-finite loss); its curves stop there.",
    "experiments.fork.layer": "BN layer position",
    "experiments.fork.hist_caption": ("On the batch of step {step:,}, the stream's next one after the fork "
                                      "({images:,} images, the same for both); every value counted; a "
                                      "training-mode pass (BN normalises with this batch's statistics). At "
                                      "net[{layer}]: original `{original}`, fork `{fork}`."),
    "experiments.fork.nonfinite": "Non-finite values of the {quantity}, in no bin: original {original:.1%}, fork {fork:.1%}.",
    "experiments.fork.no_layers": "This run has no BN layer: no histograms to compare.",
    "experiments.fork.clear": "Clear the fork",
    "experiments.fork.lr": "lr x {k:g}",
    "experiments.fork.group": "BN -> GroupNorm",
    "experiments.fork.layer_norm": "BN -> LayerNorm",
    "experiments.fork.none": "BN -> no norm",
    "experiments.fork.frozen": "BN statistics frozen",
    "experiments.fork.batch": "batch size {n}",
    "experiments.fork.no_change": "no change",
    "experiments.fork.sep": ", ",
    "experiments.fork.fig.title": "Fork at step {step}: {change}",
    "experiments.fork.fig.loss": "training loss",
    "experiments.fork.fig.acc": "batch accuracy",
    "experiments.fork.fig.before": "before the fork",
    "experiments.fork.fig.original": "original",
    "experiments.fork.fig.fork": "fork: {change}",
    "experiments.fork.fig.hist_title": "Fork at step {step}: {change}; net[{layer}] on the batch of step {batch_step}",
    "experiments.fork.fig.input": "input of net[{layer}] (what it normalises)",
    "experiments.fork.fig.output": "output of net[{layer}]",
    "experiments.fork.fig.value": "value",
    "experiments.fork.fig.share": "share of the values in each bin",
    "cards.card": "Card",
    "cards.published": "Published: {headline}",
    "cards.quick": "Quick settings (a few seconds, for a first look)",
    "cards.quick_settings": "Quick settings: {settings}",
    "cards.default_settings": "Default, within {seconds:.0f} s on a 2-core CPU: {note}",
    "cards.run": "Run this card",
    "cards.waiting": "waiting for a training slot…",
    "cards.progress": "{done:,} of {total:,}",
    "cards.busy": "The server is busy with other sessions: this run goes on when a training slot frees up.",
    "cards.failed": "The card could not finish: {error}",
    "cards.download": "Download the table (CSV)",
    "cards.footer": "{data}; {seconds:.1f} s. What carries over: {transfer}",
    "cards.pause": "Pause",
    "cards.resume": "Resume",
    "cards.cancel": "Cancel",
    "cards.paused": "paused at {done:,} of {total:,}: Resume goes on from here, Cancel drops this run",
    "cards.one_at_a_time": ("A card is already running in this session (one run at a time): Pause, Resume "
                            "or Cancel it first."),
    "cards.cancelled": "The run was cancelled.",
    "cards.abandoned": "The run of {name} was cancelled: the card or its settings changed.",

    # --- the replay page (bnviz/app/replay.py, distributed.py) -------------------------------------
    "replay.could_not_open": "Could not open {name}: {error}",
    "replay.too_large": "{name} is {size:.0f} MiB; a recording may be at most {limit:.0f} MiB.",
    "replay.too_large_on_server": "{name} is larger than a recording may be.",
    "replay.header": "Replay a recording",
    "replay.upload": "Upload a .bnviz file",
    "replay.upload_help": "Written by `python -m bnviz record` or bnviz.save_recording(...)",
    "replay.pick": "…or one from runs/ on this server",
    "replay.pick_placeholder": "choose a recording",
    "replay.none_on_server": "No recordings in runs/ on this server.",
    "replay.step": "Step",
    "replay.describe": ("{name}: {steps:,} recorded steps of norm={norm}, lr={lr}, batch {batch_size}; "
                        "data: {data}; recorded on {device}"),
    "distributed.reading": """**What this shows.** Under DistributedDataParallel each replica normalises with the
statistics of its own share of the batch (B/N examples): its batch means scatter around the global
batch's like the ghost batches of the `small-batch` experiment card. With `broadcast_buffers` on
(DDP's default) every replica starts each step with rank 0's moving statistics; off, they drift
apart. `nn.SyncBatchNorm` normalises every replica with the global statistics, at the cost of one
all_gather (forward) and one all_reduce (backward) per BN layer per step.""",
    "distributed.title": "A distributed recording",
    "distributed.layer": "BN layer",
    "distributed.channel": "Channel",
    # --- viz_app.py and bnviz/app/controls.py ------------------------------------------------------------
    "app.page_title": "bnviz — Batch Normalization, step by step",
    "app.title": "Batch Normalization, step by step",
    "app.loading": "Loading Fashion-MNIST…",
    "app.data_failed": "Fashion-MNIST could not be loaded.\n\n{error}",
    "app.mode": "Mode",
    "app.mode.live": "Live training",
    "app.mode.experiments": "Experiments",
    "app.mode.replay": "Replay a recording",
    "app.language": "Language / 语言",  # both words, whatever the page's language
    "app.view.layer": "BN layer",
    "app.view.channel": "Channel",
    "app.view.heat_map_of": "Heat map of",
    "app.view.percentiles_of": "Percentiles of",
    "app.view.pct_output": "sigmoid input (BN output)",
    "app.view.pct_input": "BN input",
    "app.view.pooled": "Histograms: all channels pooled",
    "app.view.pooled_help": "Off: *Distributions now* and *Over time* show the chosen channel only.",
    "app.view.first_8": "γ and β: first 8 channels",
    "app.view.panel": "Panel",
    "app.layer.none": "no BN layer in this model",
    "app.layer.label": "net[{name}] · {kind}, {channels} channels",
    "app.status": ("**step {step}** · epoch {epoch} (batch {batch} of {steps_per_epoch}) · "
                   "{images_seen:,} images seen · device **{device}**"),
    "app.status.running": " · running…",
    "app.status.epoch_end": ("An epoch ended: computing its population and precise statistics over the whole "
                             "training set before training on…"),
    "app.busy": "The server is busy with other sessions; training resumes in a moment.",
    "app.training_stopped": "Training stopped: {error}. Press Reset to start again.",
    "app.panel_failed": ("This panel could not be drawn. Your session is kept: choose another panel, "
                         "or press Reset if it happens again."),
    "app.page_failed": ("Something unexpected went wrong while drawing this page. Your session is kept: "
                        "press Reset if it happens again."),
    "app.replay.open": ("Open a recording in the sidebar: upload a `.bnviz` file written by "
                        "`python -m bnviz record ...`, or pick one from `runs/` on this server."),
    "app.replay.below": "Below: one replica's layer (`rankR/layer`) with the single-run panels.",
    "app.replay.record_at": "Showing the record at step {step}; the panels over time show the whole recording.",
    "controls.norm.custom": "the chapter's BatchNorm",
    "controls.norm.torch": "nn.BatchNorm2d / 1d",
    "controls.norm.none": "no BN",
    "controls.failed": "That did not work: {error}. Your session is kept; change the settings or press Reset.",
    "controls.cannot_reset": "Cannot reset with these settings: {problems}.",
    "controls.busy": "The server is busy training for other students; press Step again in a moment.",
    "controls.settings": "Settings",
    "controls.model": "Model",
    "controls.lr": "Learning rate",
    "controls.batch_size": "Batch size",
    "controls.momentum": "BN momentum (chapter's convention)",
    "controls.torch_momentum": "PyTorch's equivalent: momentum = {momentum:.4g}",
    "controls.eps": "BN eps",
    "controls.seed": "Seed",
    "controls.device": "Device",
    "controls.fix": "Fix before Reset: {problems}.",
    "controls.changed": "Settings changed — press **Reset** to start a new run with them.",
    "controls.data": "**Data**: {data}",
    "controls.subset": ("This is the small subset shipped with bnviz, not the full data set: numbers will "
                        "differ from the chapter's. Install `dataset-fashion-mnist` for the full set."),
    "controls.training": "Training",
    "controls.step": "Step",
    "controls.step_help": "Train one batch",
    "controls.pause": "Pause",
    "controls.run": "Run",
    "controls.step_n": "Step N",
    "controls.epoch": "Run to end of epoch",
    "controls.reset": "Reset",
    "controls.rewind_to": "Rewind to step",
    "controls.rewind_to_help": "Go back to an earlier step; stepping forward again gives the same numbers.",
    "controls.rewind": "Rewind",
    "controls.breakpoints": "Breakpoints",
    "controls.bp.nan": "A NaN or Inf in the loss or any statistic always stops the run.",
    "controls.bp.jump_on": "Loss jumps to more than",
    "controls.bp.jump": "× the previous step's loss",
    "controls.bp.gap_on": "Moving mean further from the batch mean than",
    "controls.bp.gap": "batch standard deviations (after step 30)",
    "controls.bp.step": "Stop at step (0: off)",
    "controls.bp.epoch": "Stop at every epoch end",
    # --- why a run stopped by itself (bnviz/debug/breakpoints.py) ---------------------------------------
    "debug.diverged_loss": ("Training diverged at step {step}: the loss is {loss}. Lower the learning rate (the "
                            "chapter uses 1.0) and press Reset."),
    "debug.diverged_loss_at": ("Training diverged at step {step}: the loss is {loss}; the first non-finite captured "
                               "value is {field} of channel {channel} in layer {layer}. Lower the learning rate "
                               "(the chapter uses 1.0) and press Reset."),
    "debug.diverged_field": ("Training diverged at step {step}: {field} of channel {channel} in layer {layer} is not "
                             "finite (the loss was still {loss:.4g}). Lower the learning rate and press Reset."),
    "debug.loss_jump": ("Stopped at step {step}: the loss jumped from {prev:.4g} to {loss:.4g} (×{ratio:.1f}), more "
                        "than ×{limit:g}: the last update overshot.{detail} A smaller learning rate avoids it."),
    "debug.shift_jumped": (" The first layer whose batch statistics jumped is layer {layer}: its batch mean shifted "
                           "by {shift:.1f} standard deviations of the previous batch."),
    "debug.shift_most": (" The batch statistics moved most in layer {layer}: its batch mean shifted by {shift:.1f} "
                         "standard deviations of the previous batch."),
    "debug.gap": ("Stopped at step {step}: in layer {layer}, channel {channel}, the moving mean is {gap:.2f} batch "
                  "standard deviations away from this batch's mean (threshold {limit:g}): prediction mode would "
                  "normalise this batch very differently from training."),
    "debug.at_step": "Stopped at step {step}, as asked.",
    "debug.epoch_end": "Stopped at the end of an epoch (step {step}), as asked.",
    "app.mode.tour": "Guided tour",
    "panels.svg": "SVG",
    # --- lesson links (bnviz/app/lesson.py, bnviz/app/links.py) ---------------------------------------
    "lesson.notices": ("**This lesson link has fields that could not be used**; each one below uses its "
                       "default instead, and the rest of the link applies:"),
    "lesson.ok": "OK",
    "lesson.fixes": "This lesson fixes: {names}.",
    "lesson.hides": "It hides: {names}.",
    "lesson.separator": ", ",  # between the names of a list
    "lesson.copy": "Copy lesson link",
    "lesson.copied": "Copied ✓",
    "lesson.copy_failed": "Could not copy: open “Lesson link” below",
    "lesson.link": "Lesson link",
    "lesson.link_caption": ("Whoever opens this link gets this run (same settings and seed: the same numbers), "
                            "this view and this step. The settings in it are the run's: press Reset first to "
                            "share changed settings."),
    "links.name.page": "page",
    "links.name.norm": "model",
    "links.name.lr": "learning rate",
    "links.name.batch_size": "batch size",
    "links.name.momentum": "BN momentum",
    "links.name.eps": "BN eps",
    "links.name.seed": "seed",
    "links.name.device": "device",
    "links.name.panel": "panel",
    "links.name.layer": "BN layer",
    "links.name.channel": "channel",
    "links.name.lang": "language",
    "links.name.reset": "the Reset button",
    "links.name.training": "the training buttons",
    "links.unknown_field": "{name} is not a lesson link field; it was ignored. The fields are: {fields}.",
    "links.too_long": "{name}: the value is {chars} characters long; using the default.",
    "links.default": "{name}={value}: {problem}; using the default ({default}).",
    "links.default_none": "{name}={value}: {problem}; using the default.",
    "links.partly": "{name}={value}: {problem}.",
    "links.stop_ignored": "stop is a tour stop and only counts with page=tour; it was ignored.",
    "links.one_of": "{what} must be one of {choices}",
    "links.page_absent": "the {page} page is not part of this version of the app",
    "links.no_device": "this server has no {device} device (it has {devices})",
    "links.whole": "{what} must be a whole number",
    "links.number": "{what} must be a number",
    "links.finite": "{what} must be a finite number",
    "links.between": "{what} must be between {low} and {high}",
    "links.layer": "layer must be a BN layer's name, e.g. 1",
    "links.cannot_lock.one": "{names} cannot be locked and was ignored (the names are: {lockable})",
    "links.cannot_lock.many": "{names} cannot be locked and were ignored (the names are: {lockable})",
    "links.cannot_hide.one": "{names} cannot be hidden and was ignored (the names are: {lockable})",
    "links.cannot_hide.many": "{names} cannot be hidden and were ignored (the names are: {lockable})",
    "links.no_bn_layer": "layer={layer}: this model has no BN layer; it was ignored.",
    "links.bad_layer": "layer={layer}: this model's BN layers are {layers}; using the first ({first}).",
    "links.bad_channel": "channel={channel}: layer {layer} has channels 0 to {last}; using channel 0.",
    # --- RunConfig's checks (bnviz/train/config.py) and the data set's description (bnviz/data) -------
    "config.got": "{problem}, got {value}",
    "config.one_of": "{what} must be one of {choices}",
    "config.number": "{what} must be a number",
    "config.whole": "{what} must be a whole number",
    "config.between": "{what} must be between {low:g} and {high:g}",
    "data.describe": "{kind}: {train:,} training / {test:,} test images ({source}, {path})",
    "data.subset": "SUBSET of Fashion-MNIST shipped with bnviz",
    "data.full": "full Fashion-MNIST",
    "data.part": "PART of Fashion-MNIST (not the full set)",
    "data.source.explicit": "explicit path",
    "data.source.explicit_torchvision": "explicit path (torchvision layout)",
    "data.source.local": "./data (torchvision layout)",
    "data.source.debian": "Debian's dataset-fashion-mnist",
    "data.source.download": "torchvision download",
    "data.source.subset": "subset shipped with bnviz",
    # --- the tour's tables (bnviz/experiments/tour_stops.py) -----------------------------------------
    "tour.col.x_hat_layer": "x̂ the layer computed",
    "tour.col.y_layer": "y the layer output",
    "tour.col.channel": "channel",
    "tour.col.input_mean": "μ (input mean)",
    "tour.col.input_var": "σ² (input variance)",
    "tour.col.x_hat_mean": "x̂ mean",
    "tour.col.x_hat_var": "x̂ variance",
    "tour.col.epoch": "epoch",
    "tour.col.step": "step",
    "tour.col.acc_moving": "test acc, moving stats",
    "tour.col.acc_precise": "test acc, precise stats",
    "tour.col.difference": "difference",
    "tour.col.card": "card",
    "tour.col.published": "published",
    "tour.col.source": "source",
    "tour.col.rule": "rule",
    "tour.rule.chapter": "the chapter's rule: torch.is_grad_enabled()",
    "tour.rule.torch": "PyTorch's rule: self.training",
    # --- the guided tour (bnviz/app/tour.py and bnviz/experiments/tour_texts.py) -----------------------
    'tour.ui.title': 'Guided tour: Batch Normalization in {n} stops',
    'tour.ui.run': "One real run for the whole class: the chapter's LeNet with its BatchNorm, lr {lr:g}, batch {batch_size}, momentum {momentum:g}, ε {eps:g}, seed {seed}; {steps} steps ({epochs} epochs of {images:,} training images), on the **{data}**. Trained once on this server in {seconds:.0f} s and shared read-only by every student on the same seed.",
    'tour.ui.building': "Training the tour's run once for the whole class (seed {seed}); every student on this seed then shares it…",
    'tour.ui.stop': 'Stop {n} of {total}: {title}',
    'tour.ui.your_answer': 'Your answer',
    'tour.ui.reveal': 'Reveal',
    'tour.ui.right': 'Right.',
    'tour.ui.wrong': 'Not quite: the answer is **{answer}**.',
    'tour.ui.no_answer': 'The answer is **{answer}**.',
    'tour.ui.link': '[Open this view in the free app]({link}): the same settings and view, in a run of your own.',
    'tour.ui.back': '← Back',
    'tour.ui.next': 'Next →',
    'tour.ui.bad_stop': '`stop={value}` is not a stop of this tour: the stops are 1 to {total}. Showing stop 1; use Next and Back to move on.',
    'tour.ui.bad_seed': '`seed={value}` is not a seed the tour can use (a whole number from 0 to {high:,}). Using seed {default}.',
    'tour.ui.failed': "The tour's run could not be trained: {err}. Reload the page to try again.",
    'tour.drift.title': "A layer's input drifts while the network learns",
    'tour.drift.question': 'Two LeNets start from the same weights and see the same {steps} batches; one has no BN. Whose input of sigmoid #{sigmoid} (the one after net[{layer}]) moves more over those steps?',
    'tour.drift.reveal': "Over the first {steps} steps the **median** of that sigmoid's input stayed within a range of **{range_plain:.3f}** without BN and **{range_bn:.3f}** with BN ({ratio:.2f}×). Without BN the 15th/50th/85th percentiles went from {first_plain} at step 1 to {last_plain} at step {steps}; with BN from {first_bn} to {last_bn}. This drift is what the BN paper called *internal covariate shift*. Test accuracy at step {steps}: {acc_plain:.3f} without BN, {acc_bn:.3f} with BN (lr {lr:g} for both).",
    'tour.drift.choice0': 'the net without BN',
    'tour.drift.choice1': 'the net with BN',
    'tour.drift.choice2': 'about the same (within 25%)',
    'tour.one-step.title': 'One BN step, with its real numbers',
    'tour.one-step.question': 'At step {step}, channel {channel} of net[{layer}] has batch mean μ = {mu:.5f} and (biased) variance σ² = {var:.5f} over n = {n:,} values; ε = {eps:g}. One real input is x = {x:.5f}. What is x̂?',
    'tour.one-step.reveal': 'x̂ = (x − μ) / √(σ² + ε) = ({x:.5f} − {mu:.5f}) / √({var:.5f} + {eps:g}) = ({diff:.5f}) / {std:.5f} = **{x_hat:.4f}**. Then y = γ·x̂ + β = {gamma:.4f} × {x_hat:.4f} + {beta:.4f} = **{y:.4f}**; the layer itself output {y_layer:.4f}. The moving mean was updated {m:g} × {mm0:.5f} + {one_minus_m:g} × {mu:.5f} = {mm1:.5f} (recorded: {mm_layer:.5f}). The table holds a few more real values of this step.',
    'tour.one-step.choice0': '{c0:.4f}',
    'tour.one-step.choice1': '{c1:.4f}',
    'tour.one-step.choice2': '{c2:.4f}',
    'tour.standardised.title': 'x̂ is standardised per channel',
    'tour.standardised.question': "At step {step} the {C} channels of net[{layer}]'s input have means from {mean_lo:.3f} to {mean_hi:.3f} and variances from {var_lo:.4f} to {var_hi:.4f}. After x̂ = (x − μ) / √(σ² + ε), what are each channel's mean and variance?",
    'tour.standardised.reveal': 'Over all {values:,} values of each channel of that step, x̂ has mean within **{max_abs_mean:.1e}** of 0 and variance from **{xvar_lo:.6f}** to **{xvar_hi:.6f}**: exactly σ²/(σ² + ε) per channel (largest difference {max_var_gap:.1e}), just under 1 because of ε. Each channel is standardised with its own μ and σ²; the table lists them.',
    'tour.standardised.choice0': 'every channel: mean 0, variance (just under) 1',
    'tour.standardised.choice1': 'mean 0 and variance 1 only for all channels pooled together',
    'tour.standardised.choice2': 'the channels keep their different means; only the spread is rescaled',
    'tour.gamma-beta.title': 'γ and β are learned',
    'tour.gamma-beta.question': 'γ starts at 1 and β at 0 in every channel, and SGD trains them like weights. After {steps} steps, is γ of channel {channel} of net[{layer}] above or below 1?',
    'tour.gamma-beta.reveal': "γ of channel {channel} went from {gamma0:.4f} to **{gamma1:.4f}**, β from {beta0:.4f} to **{beta1:.4f}**. Over the layer's {C} channels γ now lies between {gamma_lo:.3f} and {gamma_hi:.3f} and β between {beta_lo:.3f} and {beta_hi:.3f}; channel {far} moved furthest from γ = 1. γ = √(σ² + ε) = {undo_gamma:.4f} and β = μ = {undo_beta:.4f} would undo this step's normalisation of channel {channel}: SGD found other values.",
    'tour.gamma-beta.choice0': 'above 1',
    'tour.gamma-beta.choice1': 'below 1',
    'tour.moving-mean.title': 'The moving mean converges',
    'tour.moving-mean.question': 'The moving mean starts at 0 and each step becomes {m:g} × moving + {one_minus_m:g} × batch mean. After how many steps does its starting value weigh less than {tol:.0%}?',
    'tour.moving-mean.reveal': "The start weighs m^k = {m:g}^k, under {tol:.0%} from k = ⌈ln {tol:g} / ln {m:g}⌉ = **{k_star}** steps ({m:g}^{k_star} = {start_weight:.4f}). The average age of what it averages is 1/(1 − m) = {mean_age:.3g} steps. In this run, channel {channel} of net[{layer}] after {k_run} steps: the layer's moving mean is {moving_k:.5f}; the same average recomputed from the {k_run} recorded batch means is {ema_k:.5f}. At the end of epoch 1 (step {e1_step}) the moving mean is {moving_e1:.5f}, the batch mean averaged over the whole training set with those weights is {precise_e1:.5f}: a gap of {gap_e1:+.5f}.",
    'tour.moving-mean.choice0': '{c0}',
    'tour.moving-mean.choice1': '{c1}',
    'tour.moving-mean.choice2': '{c2}',
    'tour.train-eval.title': 'The train/eval trap',
    'tour.train-eval.question': "The chapter's batch_norm picks its mode with torch.is_grad_enabled(). A student calls net.eval() and measures test accuracy *without* torch.no_grad(). Which statistics normalise each test batch?",
    'tour.train-eval.reveal': "On the {test_images:,} test images, the finished model with the chapter's rule scores **{no_grad_acc:.4f}** under eval() + torch.no_grad() (moving statistics) and **{eval_alone_acc:.4f}** under eval() alone ({acc_gap:+.4f}): that second number used each test batch's own statistics, not the model's. Meanwhile the moving mean of net[{layer}] moved by up to {max_shift:.4f} (channel {shift_channel}: {shift_before:.4f} → {shift_after:.4f}): the test set leaked into the model. With PyTorch's rule (self.training, as nn.BatchNorm) eval() alone scores {torch_rule_acc:.4f}, the same as with no_grad. The table: the real layer on a real test batch in every mode.",
    'tour.train-eval.choice0': 'the moving statistics, as intended',
    'tour.train-eval.choice1': "each test batch's own statistics, and the moving statistics keep changing",
    'tour.precise.title': 'Stale moving statistics at a test-accuracy dip',
    'tour.precise.question': "At the end of epoch {epoch} (step {step}) test accuracy, measured with the moving statistics, fell from {prev:.3f} to {acc:.3f}. Recompute BN's statistics over the training set with the weights frozen (precise statistics): test accuracy will be…",
    'tour.precise.question_no_dip': "Test accuracy, measured with the moving statistics, never fell from one epoch to the next in this run; at the end of epoch {epoch} (step {step}) it is {acc:.3f}. Recompute BN's statistics over the training set with the weights frozen (precise statistics): test accuracy will be…",
    'tour.precise.reveal': "With precise statistics test accuracy is **{precise:.3f}** ({diff:+.3f}) at step {step}. The moving statistics average batches seen with older weights; here the moving mean of channel {channel} of net[{layer}] is {moving_mean:.5f} against a precise {precise_mean:.5f}. Largest gap of any layer, in the channel's own standard deviations: {worst_gap:.3f} (net[{worst_layer}]). Over all {epochs} epochs precise statistics scored {mean_diff:+.3f} on average.",
    'tour.precise.choice0': 'clearly higher (by 1 point or more)',
    'tour.precise.choice1': 'about the same (within 1 point)',
    'tour.precise.choice2': 'clearly lower (by 1 point or more)',
    'tour.claims.title': 'What the BN paper claimed, and what later work found',
    'tour.claims.question': 'Ioffe & Szegedy (2015) said BN speeds training by reducing internal covariate shift. Santurkar et al. (2018) tested that claim. What did they find?',
    'tour.claims.reveal': "Santurkar et al.: BN with noise injected to *increase* the shift still trains like BN, and with BN the loss and its gradient change less along the gradient. In this run BN changed how much sigmoid #{sigmoid}'s input drifts: its median moved {step_plain:.4f} per step on average without BN, {step_bn:.4f} with BN ({step_ratio:.2f}× as much without BN). How much a layer's input drifts, Santurkar et al. showed, is not what decides how well it trains. The published headlines, each with a card that reruns it here (`python -m bnviz experiment run NAME`):",
    'tour.claims.choice0': 'BN reduces the shift, and that is why it works',
    'tour.claims.choice1': 'BN need not reduce the shift; it makes the loss landscape smoother',
    'tour.claims.choice2': 'BN only helps sigmoid networks',

    # --- the experiment cards' words (bnviz/experiments/cards/*.py) ---------------------------------
    'card.bias.title': 'No bias before BN',
    'card.bias.question': 'Can we remove the bias parameter from the fully connected layer or the convolutional layer before the batch normalization? Why?',
    'card.bias.source': "the chapter's exercise 1",
    'card.bias.budget_note': '2 LeNets x 2 epochs of the full training set (940 steps)',
    'card.bias.published': "Yes: BN's shift beta replaces the bias, whose effect the mean subtraction cancels; same accuracy with fewer parameters",
    'card.bias.citation': "Ioffe & Szegedy 2015, Sec. 3.2 ('the bias b can be ignored ... its effect will be canceled by the subsequent mean subtraction')",
    'card.bias.transfer': 'Fully: the argument is algebra (the batch mean contains the bias), so it holds for any layer followed by BN in training mode, LeNet or ResNet; only the float rounding that separates the two runs late in training is particular to this run',
    # --- the bias card's figure, table and reading (bnviz/experiments/cards/bias.py) -----------------------
    "card.bias.col.variant": "variant",
    "card.bias.col.parameters": "parameters",
    "card.bias.col.biases": "pre-BN biases",
    "card.bias.col.acc_by_epoch": "test acc by epoch",
    "card.bias.col.final_acc": "final test acc",
    "card.bias.col.final_loss": "final train loss",
    "card.bias.cell.with": "with bias",
    "card.bias.cell.without": "without bias",
    "card.bias.fig.title": "Exercise 1: the bias before BN",
    "card.bias.fig.loss": "training loss (10-step mean)",
    "card.bias.fig.gap": "|loss with bias - loss without| per step",
    "card.bias.fig.moved": "how far each moved during training",
    "card.bias.fig.loss_gap": "loss gap",
    "card.bias.fig.bias_change": "max |bias change|",
    "card.bias.fig.beta_change": "max |beta change|",
    "card.bias.together_never": "the two runs' losses never differed by more than 1e-3",
    "card.bias.together_until": ("their losses stayed within 1e-3 of each other until step {first} (float rounding, "
                                 "amplified by training, then separates them)"),
    "card.bias.reading": ("Without the bias before each BN the LeNet has {without:,} parameters instead of "
                          "{with_bias:,} ({fewer} fewer: one per BN channel) and reached test accuracy "
                          "{acc_without:.3f} against {acc_with:.3f}; {together}. The removed biases did nothing: in "
                          "training mode BN subtracts the batch mean, which contains the bias, so the bias gets a "
                          "zero gradient — the largest change of any bias over the whole run was {dead:.1e}, while "
                          "every BN layer's beta moved by at least {beta:.2f}. The shift the next layer sees is "
                          "beta's alone; the bias only rides along in the moving mean (moving mean with bias minus "
                          "moving mean without equals the bias, times the 1 - 0.9^t of it an average started at 0 "
                          "holds, to within {absorbed:.1e}), so prediction mode subtracts it again."),
    # --- words several cards share, and the bn-only and fixed-affine cards' figures, tables, readings -----
    "card.common.loss_panel": "training loss (10-step mean)",
    "card.common.acc_panel": "test accuracy by epoch",
    "card.common.final_acc": "final test acc",
    "card.common.final_loss": "final train loss",
    "card.common.acc_by_epoch": "test acc by epoch",
    "card.common.variant": "variant",
    "card.common.layer": "layer",
    "card.bn-only.all": "all parameters",
    "card.bn-only.only": "only gamma and beta",
    "card.bn-only.col.trained": "trained",
    "card.bn-only.col.trainable": "trainable parameters",
    "card.bn-only.col.near_zero": "channels with |gamma| < {t:g}",
    "card.bn-only.col.layer_near_zero": "{slot}: |gamma| < {t:g}",
    "card.bn-only.fig.share": "share of channels with |gamma| < {t:g}",
    "card.bn-only.fig.title": "Training only BN's gamma and beta",
    "card.bn-only.reading": ("Training only gamma and beta — {trainable:,} of {total:,} parameters ({share:.1%}), every "
                             "convolution and linear weight left at its random start — reached test accuracy "
                             "{acc_only:.3f} in {epochs} epochs, against {acc_full:.3f} training everything (chance is "
                             "0.1). {near_only:.1%} of its BN channels ended with |gamma| < {threshold:g} (they started "
                             "at 1), most in {most} ({most_share:.1%}); training everything, {near_full:.1%}. Pushing "
                             "gamma to 0 switches a random feature off: with only gamma and beta to learn, choosing "
                             "among random features is what is left to do."),
    "card.fixed-affine.learned": "learned gamma, beta",
    "card.fixed-affine.fixed": "gamma = 1, beta = 0 fixed",
    "card.fixed-affine.col.trainable": "trainable parameters",
    "card.fixed-affine.col.gamma": "gamma: mean, range",
    "card.fixed-affine.col.beta": "mean |beta|",
    "card.fixed-affine.col.beyond": "sigmoid inputs beyond |2|",
    "card.fixed-affine.col.std": "sigmoid input std by layer",
    "card.fixed-affine.fig.bars": "test accuracy; share of sigmoid inputs beyond |2|",
    "card.fixed-affine.fig.title": "Exercise 5: gamma and beta fixed",
    "card.fixed-affine.worth": "worth",
    "card.fixed-affine.not_worth": "not worth",
    "card.fixed-affine.reading": ("With gamma and beta learned the LeNet reached test accuracy {acc_learned:.3f} (train "
                                  "loss {loss_learned:.3f}); with gamma = 1 and beta = 0 fixed, {acc_fixed:.3f} (loss "
                                  "{loss_fixed:.3f}). Fixed, each sigmoid's input is normalised to mean 0 and variance 1 "
                                  "per channel in training (in prediction mode, on test images, its std per layer was "
                                  "{std_fixed}), so {sat_fixed:.1%} of them lie beyond |2|, where the sigmoid bends; "
                                  "learned, the layers moved to gamma {gamma} (mean [min, max]) and mean |beta| "
                                  "{beta:.2f}, with input std {std_learned} and {sat_learned:.1%} beyond |2|. gamma and "
                                  "beta give back what normalisation takes away — the scale and offset each unit's "
                                  "nonlinearity works at — which is {worth} {gain:.3f} of test accuracy in this run."),
    'card.lr-sweep.title': 'Learning rate, with and without BN',
    'card.lr-sweep.question': 'Compare the learning rates for LeNet with and without batch normalization. Plot the increase in training and test accuracy. How large can you make the learning rate?',
    'card.lr-sweep.source': "the chapter's exercise 2",
    'card.lr-sweep.budget_note': '8 learning rates x (BN, no BN) x 100 steps of the full training set; 5,000 test images',
    'card.lr-sweep.published': "BN allows much higher learning rates: Inception with BN at 5x the rate reached the original's 72.2% in 14x fewer steps (2.1M vs 31.0M); at 30x (BN-x30) 74.8%",
    'card.lr-sweep.citation': 'Ioffe & Szegedy 2015, Sec. 4.2 and Figure 3 (ImageNet)',
    'card.lr-sweep.transfer': "The direction carries over (BN trains at rates that stall or blow up the plain net), not the numbers: Inception's 5x and 30x were relative to a tuned ImageNet schedule over millions of steps; here every run gets 100 steps, and the sigmoid LeNet without BN sits on a plateau at chance for most of an epoch at any rate",
    'card.placement.title': 'BN in which layers?',
    'card.placement.question': 'Do we need batch normalization in every layer? Experiment with it.',
    'card.placement.source': "the chapter's exercise 3",
    'card.placement.budget_note': '8 placements x 6 epochs of the first 6,400 training images (1,200 steps); 2,000 test images',
    'card.placement.published': "BN after every layer is the paper's recipe; its benefit comes from the earliest layers' inputs staying in the sigmoid's non-saturated range",
    'card.placement.citation': 'Ioffe & Szegedy 2015, Sec. 3.2-3.3 and Figure 1 (MNIST, BN in every hidden layer); the chapter itself (Sec. 8.5) applies it after every conv and hidden linear layer',
    'card.placement.transfer': "The paper gives a recipe, not a per-layer ablation, so this card compares placements rather than numbers; what carries over is that the sigmoid's saturation, which BN prevents, matters in every layer, and that BN layers bring the train/predict gap of moving statistics",
    'card.dropout.title': 'BN vs dropout',
    'card.dropout.question': 'Can you replace dropout by batch normalization? How does the behavior change?',
    'card.dropout.source': "the chapter's exercise 4",
    'card.dropout.budget_note': '4 variants x 5 epochs of the first 15,360 training images (1,200 steps); 5,000 test images',
    'card.dropout.published': 'BN regularises: in a batch-normalized Inception, dropout could be removed without hurting validation accuracy (and removing it sped up training)',
    'card.dropout.citation': "Ioffe & Szegedy 2015, Sec. 3.4 and 4.2.1 ('Remove Dropout'), ImageNet",
    'card.dropout.transfer': "Partly: Inception trained for days overfits, so removing dropout there showed BN's regularising side; a LeNet after a few epochs barely overfits (see its train-test gap above), so here dropout mostly costs speed and the regularisation question stays open",
    'card.fixed-affine.title': 'gamma = 1, beta = 0 fixed',
    'card.fixed-affine.question': 'Fix the parameters beta and gamma (gamma = 1, beta = 0), and observe and analyze the results.',
    'card.fixed-affine.source': "the chapter's exercise 5",
    'card.fixed-affine.budget_note': '2 LeNets x 2 epochs of the full training set (940 steps)',
    'card.fixed-affine.published': "gamma and beta restore the layer's representation power: with gamma = sqrt(Var[x]) and beta = E[x] the original activations could be recovered, so normalising 'the input of a sigmoid would constrain [it] to the linear regime of the nonlinearity' without them",
    'card.fixed-affine.citation': 'Ioffe & Szegedy 2015, Sec. 3 (the paragraph introducing gamma and beta)',
    'card.fixed-affine.transfer': 'The argument is general (normalised sigmoid inputs sit in its near-linear range); how much accuracy gamma and beta are worth depends on the network: a LeNet this shallow loses little by being nearly linear early in training',
    'card.momentum.title': 'Momentum of the moving statistics',
    'card.momentum.question': "Which moving average should prediction mode use: momentum 0.9 (the chapter), 0.99 (Keras' default), or the cumulative average (PyTorch momentum=None)? How far is each from statistics recomputed with the final weights?",
    'card.momentum.source': "the chapter's moving averages; PyTorch's and Keras' defaults",
    'card.momentum.budget_note': '1 LeNet x 2 epochs of the full training set (470 steps); 10 checks of 4 statistics on 5,000 test images',
    'card.momentum.published': 'EMA statistics lag the weights and give lower, less stable validation accuracy than precise statistics recomputed with fixed weights, most early in training and with large learning rates; the gap closes as training converges',
    'card.momentum.citation': 'Wu & Johnson 2021, \'Rethinking "Batch" in BatchNorm\', Sec. 3 (EMA vs PreciseBN, ResNet-50 on ImageNet)',
    'card.momentum.transfer': 'The mechanism carries over (moving averages lag weights that change; precise statistics are computed for the weights in use); the sizes do not: ImageNet ResNets at the end of a long schedule change slowly, this LeNet at lr 1 after two epochs changes fast, so its gaps are larger',
    'card.small-batch.title': 'Small normalisation batches',
    'card.small-batch.question': 'How does BN degrade when it normalises over few images, and do GroupNorm and LayerNorm, which do not look across examples, avoid it?',
    'card.small-batch.source': 'Wu & He 2018 (Group Normalization)',
    'card.small-batch.budget_note': '6 ghost-batch sizes + GN + LN x 150 steps of the full training set (1,200 steps); GN (LayerNorm after the linear layers) and LN at lr 0.3',
    'card.small-batch.published': "ResNet-50 on ImageNet: BN's error 23.6% at 32 images per GPU, 34.7% at 2; GN about 24.1% throughout",
    'card.small-batch.citation': 'Wu & He 2018, Figure 1 and Table 2',
    'card.small-batch.transfer': 'The trend carries over (BN degrades as the normalisation batch shrinks, GN and LN do not care), the sizes do not: 150 steps of a LeNet on Fashion-MNIST is not 90 epochs of ResNet-50 on ImageNet, and here GN and LN are at their own learning rate and still behind BN, where on ResNet-50 GN nearly matches BN at 32',
    'card.smoothness.title': 'BN smooths the landscape',
    'card.smoothness.question': 'Does BN help because it removes internal covariate shift, or because it makes the loss landscape smoother? Measure along the gradient, and train BN with injected noise.',
    'card.smoothness.source': 'Santurkar et al. 2018 (How Does Batch Normalization Help Optimization?)',
    'card.smoothness.budget_note': 'BN, no BN, noisy BN x 150 steps of the full training set; 15 probes x 5 passes for BN and no BN',
    'card.smoothness.published': "With BN the loss varies less along the gradient, the gradient is more predictive and the effective beta-smoothness is lower; BN with injected non-stationary noise ('noisy BN') shows more covariate shift yet trains like BN (VGG on CIFAR-10)",
    'card.smoothness.citation': 'Santurkar et al. 2018, Figure 4 (landscape) and Figure 2 (noisy BN)',
    'card.smoothness.transfer': 'Noisy BN carries over cleanly (distribution shift injected on purpose does not stop BN from training); the landscape comparison only partly: Santurkar et al. compare two VGGs that both train, while in the first steps this sigmoid LeNet without BN sits on a flat plateau, whose landscape is smooth because nothing is happening',
    'card.bn-only.title': 'Train only gamma and beta',
    'card.bn-only.question': "How far does a network get when only BN's gamma and beta are trained and every other weight stays at its random initialisation?",
    'card.bn-only.source': 'Frankle, Schwab & Morcos 2020 (Training BatchNorm and Only BatchNorm)',
    'card.bn-only.budget_note': '2 LeNets x 2 epochs of the full training set (940 steps)',
    'card.bn-only.published': 'Training only gamma and beta reaches 82% on CIFAR-10 with a very deep ResNet (866 layers) and 32% top-5 on ImageNet; many gammas go to about 0, disabling features',
    'card.bn-only.citation': 'Frankle et al. 2020, Figure 2 / Table 2 (CIFAR-10, ImageNet) and Sec. 5 (gamma values)',
    'card.bn-only.transfer': 'The surprise carries over (random features plus learned gamma and beta beat chance by far); the size does not: Frankle et al. needed very deep and wide ResNets, with thousands of BN channels, for 82%, and this LeNet has 226 BN channels and a frozen random output layer',
    "card.lr-sweep.col.model": "model",
    "card.lr-sweep.col.lr": "lr",
    "card.lr-sweep.col.acc": "test acc",
    "card.lr-sweep.col.last_loss": "last loss (10-step mean)",
    "card.lr-sweep.col.largest": "largest loss",
    "card.lr-sweep.col.nonfinite": "first non-finite loss at step",
    "card.lr-sweep.col.blown": "first loss > {blowup} at step",
    "card.lr-sweep.bn": "BN",
    "card.lr-sweep.no_bn": "no BN",
    "card.lr-sweep.run": "BN lr {lr}",
    "card.lr-sweep.run_no_bn": "no BN lr {lr}",
    "card.lr-sweep.panel.acc": "test accuracy vs lr",
    "card.lr-sweep.panel.bn_loss": "BN: loss",
    "card.lr-sweep.panel.no_bn_loss": "no BN: loss",
    "card.lr-sweep.fig.title": "Exercise 2: final test accuracy by learning rate",
    "card.lr-sweep.fig.lr": "learning rate",
    "card.lr-sweep.fig.loss_title": "loss per step (10-step mean)",
    "card.lr-sweep.none": "none",
    "card.lr-sweep.ratio": " — a range {span_bn:g}x wide with BN against {span_plain:g}x without",
    "card.lr-sweep.reading": ("In {steps} steps the LeNet with BN reached test accuracy 0.5 or more at learning rates "
                              "{bn_good}; without BN at {plain_good}{ratio}. The best BN run (lr {bn_best_lr:g}) reached "
                              "{bn_best:.3f}, the best without BN (lr {plain_best_lr:g}) {plain_best:.3f} (chance is 0.1). "
                              "A loss spiked past ten times chance at lr {bn_blown} with BN (back below chance by the "
                              "end: {bn_recovered}) and {plain_blown} without (back below chance: {plain_recovered}). "
                              "The sigmoids bound every activation, so losses here grow large but rarely become NaN; and "
                              "BN makes each layer's output independent of the scale of its weights, so a large step "
                              "grows the weights and shrinks its own effective size instead of throwing the network "
                              "off — which is why BN tolerates the larger rates."),
    "card.placement.col.where": "BN in",
    "card.placement.col.layers": "BN layers",
    "card.placement.col.best": "best test acc",
    "card.placement.col.mean_half": "mean test acc, 2nd half",
    "card.placement.col.fluctuation": "fluctuation (mean |change| per epoch)",
    "card.placement.col.drop": "largest drop",
    "card.placement.none": "none",
    "card.placement.all": "all",
    "card.placement.conv": "conv only",
    "card.placement.linear": "linear only",
    "card.placement.single": "{slot} only",
    "card.placement.fig.epoch": "epoch",
    "card.placement.fig.bars": "mean test accuracy (2nd half) and fluctuation",
    "card.placement.fig.title": "Exercise 3: BN in which layers?",
    "card.placement.reading.best": ("Over {epochs} epochs of {images:,} images, the best placement by mean test accuracy "
                                    "over the second half was '{best}' ({best_mean:.3f}), the worst '{worst}' "
                                    "({worst_mean:.3f})."),
    "card.placement.reading.chance": " (still near chance: the sigmoid LeNet without BN starts slowly at lr 1)",
    "card.placement.reading.all_none": "BN everywhere gave {all:.3f} against {none:.3f} with no BN at all{chance}.",
    "card.placement.reading.single": "Of the single layers, BN after {layer} helped most ({mean:.3f}).",
    "card.placement.reading.no_fall": "No placement's test accuracy fell from one epoch to the next in this run.",
    "card.placement.reading.fall": ("The largest epoch-to-epoch fall in test accuracy was with '{jumpy}' ({drop:.3f}); "
                                    "test accuracy fell by more than 0.01 at least once with {fell} of {placements} "
                                    "placements."),
    "card.placement.reading.lag": ("Falls like these come with BN: prediction mode uses moving statistics that lag the "
                                   "changing weights (the chapter's own runs jump too)."),
    "card.dropout.col.bn": "BN",
    "card.dropout.col.dropout": "dropout",
    "card.dropout.col.train_acc": "train acc (prediction mode)",
    "card.dropout.col.gap": "gap (train - test)",
    "card.dropout.both": "BN + dropout",
    "card.dropout.neither": "neither",
    "card.dropout.fig.epoch": "epoch",
    "card.dropout.fig.bars": "final test accuracy and generalisation gap",
    "card.dropout.fig.title": "Exercise 4: BN vs dropout",
    "card.dropout.reading.after": ("After {epochs} epochs of {images:,} images: BN alone reached test accuracy {bn:.3f}, "
                                   "dropout alone {do:.3f}, both {both:.3f}, neither {neither:.3f}."),
    "card.dropout.reading.optimisation": ("Dropout does not replace BN's effect on optimisation: without BN this sigmoid "
                                          "LeNet at lr 1 has not left chance yet, with BN it trains from the first epoch."),
    "card.dropout.reading.gap": ("As a regulariser: the gap between training accuracy (in prediction mode) and test "
                                 "accuracy was {bn_gap:+.3f} with BN alone and {both_gap:+.3f} with BN and dropout"),
    "card.dropout.reading.narrowed": "— dropout narrowed it, at a cost of {behind:+.3f} in test accuracy in this budget.",
    "card.dropout.reading.wider": ("— wider with dropout: it slowed training ({behind:+.3f} test accuracy behind BN "
                                   "alone) before it had anything to regularise; BN's own batch noise already "
                                   "regularises a little."),
    "card.dropout.reading.same": ("— no clear difference (within 0.01); dropout mostly slowed training ({behind:+.3f} "
                                  "test accuracy behind BN alone)."),
    "card.momentum.rule.chapter": "0.9 (the chapter)",
    "card.momentum.rule.keras": "0.99 (Keras' default)",
    "card.momentum.rule.cumulative": "cumulative (PyTorch momentum=None)",
    "card.momentum.rule.precise": "precise (recomputed)",
    "card.momentum.col.statistics": "statistics",
    "card.momentum.col.mean": "mean test acc",
    "card.momentum.col.worst": "worst test acc (after the first check)",
    "card.momentum.col.fluctuation": "fluctuation (mean |change| per check)",
    "card.momentum.col.gap": "mean gap to precise",
    "card.momentum.col.by_check": "test acc by check",
    "card.momentum.fig.line": "test accuracy at each check",
    "card.momentum.fig.bars": "mean and fluctuation",
    "card.momentum.fig.title": "Moving statistics: momentum 0.9, 0.99, cumulative, precise",
    "card.momentum.reading.over": ("Over {checks} checks (steps {first} to {last}), the same trained weights scored a "
                                   "mean test accuracy of {chapter:.3f} with the chapter's momentum 0.9, {keras:.3f} with "
                                   "0.99 and {cumulative:.3f} with the cumulative average, against {precise:.3f} with "
                                   "statistics recomputed over {images:,} training images."),
    "card.momentum.reading.best": ("Of the moving rules, {best} did best; precise statistics were ahead of it by "
                                   "{gap:+.3f} on average and fluctuated {precise_fluctuation:.3f} per check against "
                                   "{best_fluctuation:.3f}."),
    "card.momentum.reading.lagged_most": "it lagged most here",
    "card.momentum.reading.fell_behind": "it fell behind the chapter's 0.9",
    "card.momentum.reading.cumulative": ("The cumulative average weighs the first batches, taken with weights long since "
                                         "changed, as much as the last: {worst}."),
    "card.momentum.reading.keras": ("0.99 averages over about 100 steps instead of 10, so it lags the weights more while "
                                    "they still change fast; and an average started at mean 0, variance 1 still held "
                                    "{held:.1%} of that start at step {t} (0.9: {chapter_held:.1e})."),
    "card.small-batch.col.norm": "norm",
    "card.small-batch.col.batch": "normalisation batch",
    "card.small-batch.col.lr": "lr",
    "card.small-batch.col.error": "test error %",
    "card.small-batch.col.acc": "test acc",
    "card.small-batch.col.loss": "train loss (last 20 steps)",
    "card.small-batch.independent": "independent of the batch",
    "card.small-batch.bn": "BN",
    "card.small-batch.fig.bn_run": "BN (this run)",
    "card.small-batch.fig.run": "{norm} (this run)",
    "card.small-batch.fig.bn_published": "BN, Wu & He (ResNet-50, ImageNet)",
    "card.small-batch.fig.gn_published": "GN, Wu & He",
    "card.small-batch.fig.x": "images per normalisation batch",
    "card.small-batch.fig.title": "Test error vs normalisation batch (gradient batch {batch} throughout)",
    "card.small-batch.reading.main": ("With the gradient batch fixed at {batch} and {steps} steps each, BN normalising over "
                                      "{large} images gave {large_error:.1f}% test error and over {small} images "
                                      "{small_error:.1f}% ({change:+.1f} points); GroupNorm gave {gn:.1f}% and LayerNorm "
                                      "{ln:.1f}% (at their own learning rate), the same at every batch size since neither "
                                      "looks across examples."),
    "card.small-batch.reading.published": ("Wu & He's ResNet-50 went from {pub_big:.1f}% at {big} to {pub_tiny:.1f}% at "
                                           "{tiny} ({pub_change:+.1f}); this LeNet went from {big_error:.1f}% to "
                                           "{tiny_error:.1f}% ({change:+.1f})."),
    "card.small-batch.reading.mechanism": ("What carries over is the mechanism: with few images the batch statistics are "
                                           "noisy estimates, and prediction mode's moving averages no longer match what "
                                           "training normalised with. What does not: the size of the effect, which "
                                           "depends on the network, the data and how long it trains."),
    "card.smoothness.col.model": "model",
    "card.smoothness.col.acc": "test acc",
    "card.smoothness.col.loss": "train loss (last 20 steps)",
    "card.smoothness.col.shift": "sigmoid-input shift per step",
    "card.smoothness.col.median_loss": "median loss variation",
    "card.smoothness.col.median_gradient": "median gradient change",
    "card.smoothness.col.median_beta": "median beta smoothness",
    "card.smoothness.col.median_norm": "median gradient norm",
    "card.smoothness.bn": "BN",
    "card.smoothness.no_bn": "no BN",
    "card.smoothness.noisy": "noisy BN",
    "card.smoothness.loss_variation": "loss variation",
    "card.smoothness.gradient_change": "gradient change",
    "card.smoothness.beta_smoothness": "beta smoothness",
    "card.smoothness.training_loss": "training loss",
    "card.smoothness.fig.title": "Along the gradient: with vs without BN (Santurkar et al. 2018)",
    "card.smoothness.reading.probes": ("Over {probes} probes in the first {steps} steps, moving along the gradient changed "
                                       "the loss by a median {bn_loss:.3g} with BN against {plain_loss:.3g} without "
                                       "({loss_ratio:.2g}x); the gradient itself changed by {bn_gradient:.3g} against "
                                       "{plain_gradient:.3g} ({gradient_ratio:.2g}x), and the effective beta-smoothness "
                                       "was {bn_beta:.3g} against {plain_beta:.3g} ({beta_ratio:.2g}x)."),
    "card.smoothness.reading.smoother": "BN's landscape was the smoother on {smoother} of {measures} measures here{which}.",
    "card.smoothness.reading.which": " ({names})",
    "card.smoothness.reading.plateau": ("But the net without BN had not left its starting plateau (loss {loss:.2f}, chance "
                                        "is {chance:.2f}; median gradient norm {plain_norm:.3g} against {bn_norm:.3g} with "
                                        "BN): a flat plateau is smooth in the wrong way, and Santurkar et al. compared "
                                        "networks that both train."),
    "card.smoothness.reading.noisy": ("Noisy BN shifted the last sigmoid's input by {noisy_shift:.3f} per step on average, "
                                      "against {bn_shift:.3f} with plain BN — far more 'internal covariate shift' — yet "
                                      "reached training loss {noisy_loss:.3f} and test accuracy {noisy_acc:.3f}, against "
                                      "{bn_loss:.3f} and {bn_acc:.3f} with BN and {plain_loss:.3f} and {plain_acc:.3f} "
                                      "without."),
}
