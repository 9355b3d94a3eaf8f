"""The guided tour's words: one dict per stop (slug, title, question, choices, reveal), kept
together so that they can move into a translation catalogue as they are. `{names}` are filled by
tour_stops.py with numbers computed from the run; a choice list's right answer is computed there.
"""

TEXTS = [
    {"slug": "drift", "title": "A layer's input drifts while the network learns",
     "question": "Two LeNets start from the same weights and see the same {steps} batches; one has no BN. "
                 "Whose input of sigmoid #{sigmoid} (the one after net[{layer}]) moves more over those steps?",
     "choices": ["the net without BN", "the net with BN", "about the same (within 25%)"],
     "reveal": "Over the first {steps} steps the **median** of that sigmoid's input stayed within a range "
               "of **{range_plain:.3f}** without BN and **{range_bn:.3f}** with BN ({ratio:.2f}×). "
               "Without BN the 15th/50th/85th percentiles went from {first_plain} at step 1 to "
               "{last_plain} at step {steps}; with BN from {first_bn} to {last_bn}. This drift is what "
               "the BN paper called *internal covariate shift*. Test accuracy at step {steps}: "
               "{acc_plain:.3f} without BN, {acc_bn:.3f} with BN (lr {lr:g} for both)."},
    {"slug": "one-step", "title": "One BN step, with its real numbers",
     "question": "At step {step}, channel {channel} of net[{layer}] has batch mean μ = {mu:.5f} and (biased) "
                 "variance σ² = {var:.5f} over n = {n:,} values; ε = {eps:g}. One real input is "
                 "x = {x:.5f}. What is x̂?",
     "choices": ["{c0:.4f}", "{c1:.4f}", "{c2:.4f}"],
     "reveal": "x̂ = (x − μ) / √(σ² + ε) = ({x:.5f} − {mu:.5f}) / √({var:.5f} + {eps:g}) = "
               "({diff:.5f}) / {std:.5f} = **{x_hat:.4f}**. Then y = γ·x̂ + β = {gamma:.4f} × {x_hat:.4f} + "
               "{beta:.4f} = **{y:.4f}**; the layer itself output {y_layer:.4f}. The moving mean was "
               "updated {m:g} × {mm0:.5f} + {one_minus_m:g} × {mu:.5f} = {mm1:.5f} (recorded: "
               "{mm_layer:.5f}). The table holds a few more real values of this step."},
    {"slug": "standardised", "title": "x̂ is standardised per channel",
     "question": "At step {step} the {C} channels of net[{layer}]'s input have means from {mean_lo:.3f} to "
                 "{mean_hi:.3f} and variances from {var_lo:.4f} to {var_hi:.4f}. After "
                 "x̂ = (x − μ) / √(σ² + ε), what are each channel's mean and variance?",
     "choices": ["every channel: mean 0, variance (just under) 1",
                 "mean 0 and variance 1 only for all channels pooled together",
                 "the channels keep their different means; only the spread is rescaled"],
     "reveal": "Over all {values:,} values of each channel of that step, x̂ has mean within "
               "**{max_abs_mean:.1e}** of 0 and variance from **{xvar_lo:.6f}** to **{xvar_hi:.6f}**: "
               "exactly σ²/(σ² + ε) per channel (largest difference {max_var_gap:.1e}), just under 1 "
               "because of ε. Each channel is standardised with its own μ and σ²; the table lists them."},
    {"slug": "gamma-beta", "title": "γ and β are learned",
     "question": "γ starts at 1 and β at 0 in every channel, and SGD trains them like weights. After "
                 "{steps} steps, is γ of channel {channel} of net[{layer}] above or below 1?",
     "choices": ["above 1", "below 1"],
     "reveal": "γ of channel {channel} went from {gamma0:.4f} to **{gamma1:.4f}**, β from {beta0:.4f} to "
               "**{beta1:.4f}**. Over the layer's {C} channels γ now lies between {gamma_lo:.3f} and "
               "{gamma_hi:.3f} and β between {beta_lo:.3f} and {beta_hi:.3f}; channel {far} moved furthest "
               "from γ = 1. γ = √(σ² + ε) = {undo_gamma:.4f} and β = μ = {undo_beta:.4f} would undo this "
               "step's normalisation of channel {channel}: SGD found other values."},
    {"slug": "moving-mean", "title": "The moving mean converges",
     "question": "The moving mean starts at 0 and each step becomes {m:g} × moving + {one_minus_m:g} × "
                 "batch mean. After how many steps does its starting value weigh less than {tol:.0%}?",
     "choices": ["{c0}", "{c1}", "{c2}"],
     "reveal": "The start weighs m^k = {m:g}^k, under {tol:.0%} from k = ⌈ln {tol:g} / ln {m:g}⌉ = "
               "**{k_star}** steps ({m:g}^{k_star} = {start_weight:.4f}). The average age of what it "
               "averages is 1/(1 − m) = {mean_age:.3g} steps. In this run, channel {channel} of "
               "net[{layer}] after {k_run} steps: the layer's moving mean is {moving_k:.5f}; the same "
               "average recomputed from the {k_run} recorded batch means is {ema_k:.5f}. At the end of "
               "epoch 1 (step {e1_step}) the moving mean is {moving_e1:.5f}, the batch mean averaged over "
               "the whole training set with those weights is {precise_e1:.5f}: a gap of {gap_e1:+.5f}."},
    {"slug": "train-eval", "title": "The train/eval trap",
     "question": "The chapter's batch_norm picks its mode with torch.is_grad_enabled(). A student calls "
                 "net.eval() and measures test accuracy *without* torch.no_grad(). Which statistics "
                 "normalise each test batch?",
     "choices": ["the moving statistics, as intended",
                 "each test batch's own statistics, and the moving statistics keep changing"],
     "reveal": "On the {test_images:,} test images, the finished model with the chapter's rule scores "
               "**{no_grad_acc:.4f}** under eval() + torch.no_grad() (moving statistics) and "
               "**{eval_alone_acc:.4f}** under eval() alone ({acc_gap:+.4f}): that second number used each "
               "test batch's own statistics, not the model's. Meanwhile the moving mean of net[{layer}] "
               "moved by up to {max_shift:.4f} (channel {shift_channel}: {shift_before:.4f} → "
               "{shift_after:.4f}): the test set leaked into the model. With PyTorch's rule (self.training, "
               "as nn.BatchNorm) eval() alone scores {torch_rule_acc:.4f}, the same as with no_grad. The "
               "table: the real layer on a real test batch in every mode."},
    {"slug": "precise", "title": "Stale moving statistics at a test-accuracy dip",
     "question": "At the end of epoch {epoch} (step {step}) test accuracy, measured with the moving "
                 "statistics, fell from {prev:.3f} to {acc:.3f}. Recompute BN's statistics over the "
                 "training set with the weights frozen (precise statistics): test accuracy will be…",
     "question_no_dip": "Test accuracy, measured with the moving statistics, never fell from one epoch to "
                        "the next in this run; at the end of epoch {epoch} (step {step}) it is {acc:.3f}. "
                        "Recompute BN's statistics over the training set with the weights frozen (precise "
                        "statistics): test accuracy will be…",
     "choices": ["clearly higher (by 1 point or more)", "about the same (within 1 point)",
                 "clearly lower (by 1 point or more)"],
     "reveal": "With precise statistics test accuracy is **{precise:.3f}** ({diff:+.3f}) at step {step}. "
               "The moving statistics average batches seen with older weights; here the moving mean of "
               "channel {channel} of net[{layer}] is {moving_mean:.5f} against a precise {precise_mean:.5f}. "
               "Largest gap of any layer, in the channel's own standard deviations: {worst_gap:.3f} "
               "(net[{worst_layer}]). Over all {epochs} epochs precise statistics scored {mean_diff:+.3f} "
               "on average."},
    {"slug": "claims", "title": "What the BN paper claimed, and what later work found",
     "question": "Ioffe & Szegedy (2015) said BN speeds training by reducing internal covariate shift. "
                 "Santurkar et al. (2018) tested that claim. What did they find?",
     "choices": ["BN reduces the shift, and that is why it works",
                 "BN need not reduce the shift; it makes the loss landscape smoother",
                 "BN only helps sigmoid networks"],
     "reveal": "Santurkar et al.: BN with noise injected to *increase* the shift still trains like BN, "
               "and with BN the loss and its gradient change less along the gradient. In this run BN "
               "changed how much sigmoid #{sigmoid}'s input drifts: its median moved {step_plain:.4f} per step on "
               "average without BN, {step_bn:.4f} with BN ({step_ratio:.2f}× as much without BN). How much "
               "a layer's input drifts, Santurkar et al. showed, is not what decides how well it trains. "
               "The published headlines, each "
               "with a card that reruns it here (`python -m bnviz experiment run NAME`):"},
]
