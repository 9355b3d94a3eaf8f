"""简体中文：应用界面的文字，键按位置命名；`{named}` 占位符填入计算出的数字。

术语沿用《动手学深度学习》（中文版）“批量规范化”一节：批量规范化、小批量、拉伸参数 γ、偏移参数 β、
移动平均、训练模式 / 预测模式、学习率、迭代周期……；代码名（`moving_mean`、`torch.no_grad()`）保持原样。
"""

TEXTS = {
    # --- 多处共用的词 ---------------------------------------------------------------------------
    "word.biased": "有偏",
    "word.unbiased": "无偏",
    "word.all_channels": "全部通道",

    # --- 讲解：每个面板旁的说明（bnviz/app/explain.py）------------------------------------------------
    "explain.edition": (
        "《动手学深度学习》中文版（PyTorch）：`moving = momentum × moving + (1 − momentum) × batch`，"
        "momentum 为 0.9。英文版现在的正文写作 `moving = (1 − momentum) × moving + momentum × batch`，"
        "与 PyTorch 相同。"),
    "explain.distributions": (
        "**批量规范化对一个小批量做了什么。** 左上：到达批量规范化层的值。右上：减去小批量均值 μ、"
        "再除以 √(σ² + ε) 之后（x̂）：一个通道的 x̂ 均值恰为 0，标准差为 √(σ²/(σ² + ε))，略小于 1"
        "——红色曲线是作对照的 N(0, 1)（关闭“全部通道合并”可单看一个通道）。下方：由 SGD 学到的"
        "拉伸参数 γ 和偏移参数 β 再次拉伸、偏移 x̂；随后 {activation} 把它压缩。若许多值落在 "
        "±{limit:.3g} 之外，{activation} 就*饱和*了：那里的斜率低于 {slope:.3f}，梯度几乎传不过去。"
        "每张图统计的是该小批量的值的一个随机样本（标题写明多少个）：每个值被抽中的机会相同。"),
    "explain.over_time": (
        "**网络学习时分布如何移动。** 每一列是一步的直方图，全部通道合并；分箱固定不变，各列才能比较，"
        "颜色表示该步的值落在一个箱里的*比例*（一个迭代周期末尾较小的小批量看起来与完整的一样）。"
        "没有批量规范化时，sigmoid 的输入会随前面各层的变化而漂移（批量规范化论文所说的*内部协变量偏移*）；"
        "有批量规范化时，输出保持稳定的形状。条带是第 15、50、85 百分位数，与批量规范化论文的图 1 相同"
        "——这里是全部通道合并后、取自小批量的值的一个随机样本。"),
    "explain.channel_over_time": (
        "一个通道：每个记录步的均值与均值 ± 1 个标准差（有偏：除以 n），由小批量的*每一个*值算出。"
        "训练模式下 x̂ 的均值恰为 0，标准差为 √(σ²/(σ² + ε))；输出的则是 β 与其 |γ| 倍。"),
    "explain.no_channel_histogram": (
        "每个通道的直方图只为实时训练最新的 {raw_keep} 步保留（录制只保留合并后的）：显示全部通道合并的结果。"),
    "explain.moving.cumulative": (
        "**移动统计量（`{name}_mean`、`{name}_var`）如何收敛。** 这个 `nn.BatchNorm` 的 `momentum=None`：*累积*平均，"
        "第 k 次更新为 `{name} = {name} + (batch − {name}) / k`——迄今每个小批量的权重相同，都是 1/k"
        "（{steps_done} 步之后：1/{k_now}）。它收敛到小批量统计量的平均值，但跟随权重变化越来越慢。"),
    "explain.moving.rule_torch": "`running = (1 − {p:g}) × running + {p:g} × batch`（PyTorch 的 momentum 为 {p:g}）",
    "explain.moving.rule_chapter": "`moving = {m:g} × moving + {q:g} × batch`（本章的 momentum 为 {m:g}）",
    "explain.moving.newest_only": (
        "**移动统计量（`{name}_mean`、`{name}_var`）如何收敛。** 按本章的约定 momentum 为 {m:g}，该层的更新为 {rule}："
        "它只保留最新一个小批量的统计量，不做平均。"),
    "explain.moving.never": (
        "**移动统计量（`{name}_mean`、`{name}_var`）如何收敛。** 按本章的约定 momentum 为 {m:g}，该层的更新为 {rule}："
        "它永远停在初始值（均值 0，方差 1）。"),
    "explain.moving.ema": (
        "**移动统计量（`{name}_mean`、`{name}_var`）如何收敛。** 每个训练步，该层更新 {rule}：这是指数移动平均。"
        "k 步之前的小批量权重为 (1 − m)·m^k，因此：它所平均的内容的平均“年龄”（有效窗口）为 "
        "1 / (1 − m) = **{mean_age:.3g} 步**（最新的小批量算作 1 步之前）；一个小批量的权重每 "
        "−1 / ln m = {e_folding:.2f} 步缩小到原来的 e 分之一，每 ln 2 / −ln m = {half_life:.2f} 步减半。"
        "初始值（均值 0，方差 1）仍占 m^k 的权重：{steps_done} 步之后 "
        "{m:g}^{steps_done} = **{start_weight:.3g}**。"),
    "explain.legend.var_torch": "无偏的（× n/(n−1)，即 `running_var` 所存）",
    "explain.legend.var_chapter": "有偏的（即 `moving_var` 所存）",
    "explain.legend.last_batch": "；一个迭代周期的最后一个小批量有 {last_batch} 张",
    "explain.legend.noise": (
        "（2）它自身的噪声：m = {m:g} 的指数移动平均只相当于 (1 + m)/(1 − m) = {batches_worth:.3g} "
        "个独立小批量的平均那么稳定，所以即使权重固定不变它也会抖动；"),
    "explain.legend": (
        "灰色：每个小批量的统计量（有噪声：取决于抽到的是哪 {batch_size} 张图像{last}）。"
        "蓝色：预测模式将使用的移动统计量。红色菱形：它所估计的量——用当前权重、在训练集全部小批量上"
        "对同一小批量统计量取的平均（每个迭代周期结束时，以及按下按钮时计算）。这里三者的方差都是{var}。"
        "差距（下方）是蓝色减红色，它由以下部分构成：（1）滞后：平均中包含用较旧权重看到的小批量，"
        "而权重一直在变；{noise}除此之外别无其他——两边使用同一个定义。"),
    "explain.gamma_beta": (
        "**γ 和 β 是普通参数**，和权重一样由 SGD 训练。拉伸参数 γ 和偏移参数 β 让网络在有益时撤销规范化："
        "γ = √(σ² + ε)、β = μ 能精确还原这个小批量的输入——但对下一个小批量只是近似，"
        "因为 μ 和 σ² 随每个小批量而变，而 γ 和 β 由所有小批量共享。"),
    "explain.training": (
        "**训练。** 灰色：每个小批量的损失和精度，在其更新之前测得。折线：本章按迭代周期输出的数字；"
        "测试精度在预测模式下、用移动统计量测得——若移动统计量过时，测试精度可能下降而训练精度上升。"),
    "explain.inside": (
        "**走进一个批量规范化步骤。** 最新一步中一个通道的真实数字：小批量均值 μ 和方差 σ²"
        "（有偏：除以 n，即每个通道的值的个数）、ε、几个真实输入 x 如何变为 x̂ 和 y，"
        "以及移动统计量的更新及其算式。*记录值*来自该层本身。"),
    "explain.no_bn": (
        "这个模型**没有批量规范化层**（“无 BN”变体），所以这里没有可显示的内容。"
        "请在侧边栏选择本章的批量规范化或 `nn.BatchNorm`，再按“重置”进行比较。"),
    "explain.modes": (
        "每一行都在同一个小批量上运行一次真实的层，其移动统计量被设得远离该小批量的统计量"
        "（均值 10，方差 4），因此从输出就能看出是哪组统计量做的规范化。本章用 "
        "`torch.is_grad_enabled()` 选择模式：只调用 `eval()`（梯度仍开启）时，该层"
        "**仍用小批量统计量规范化，并更新其移动统计量**——评估时还要加上 `torch.no_grad()`。"
        "PyTorch 和 bnviz 修正后的层则依据 `self.training`。"),
    "explain.figure1": (
        "批量规范化论文（Ioffe & Szegedy，2015，图 1：MNIST，三个各含 100 个 sigmoid 单元的隐藏层，"
        "小批量大小 60）跟踪了最后一个隐藏层中**一个典型单元**：训练过程中其输入的第 15、50、85 百分位数。"
        "没有批量规范化时它们漂移；有批量规范化时分布“稳定得多”。这里的百分位数**合并了所选 sigmoid "
        "输入的全部单元**（每步取其值的一个随机样本），两个 LeNet 从相同的权重出发、看到相同的小批量。"
        "测试精度使用前 {eval_images:,} 张测试图像。学习率为 1.0 时，无批量规范化的网络在最初几百步"
        "几乎学不到东西——这正是结果，而不是错误。"),
    "explain.twin": (
        "两个层得到相同的初始权重和相同的小批量。它们应当在 float32 舍入误差内一致：差异"
        "（绝对值：一个统计量所有值中的最大者）从舍入误差的量级开始，随 SGD 的放大而增长——表格显示本次运行"
        "增长了多少。例外是存储的 `moving_var`：本章保存有偏的小批量方差，PyTorch 保存无偏的，"
        "即 × n/(n−1)，其中 n 是每个通道的值的个数：卷积层之后为 N·H·W（第一个批量规范化层为 "
        "{batch_size}·{conv_values} = {n:,}），全连接层之后为 N = {batch_size}。"
        "把本章的值代入 PyTorch 的更新式后，两者又一致了。"),
    "explain.precise": (
        "预测模式用*移动*统计量做规范化，它是近期小批量的平均，由*较旧*的权重算出。精确统计量冻结当前权重，"
        "重新计算移动统计量所估计的量：训练集全部小批量的小批量均值和方差的平均——对 `nn.BatchNorm`"
        "（无偏方差）与 `torch.optim.swa_utils.update_bn` 的做法完全相同；本章的层 `update_bn` 不处理，"
        "bnviz 为它装入同样的平均，方差取它所存的有偏方差。若用精确统计量的测试精度高得多，"
        "说明过时的移动统计量损失了精度；若两者都低，问题出在权重本身。"),

    # --- 实时页面的面板（bnviz/app/panels.py）-------------------------------------------------------
    "panel.name.distributions_now": "当前分布",
    "panel.name.over_time": "随时间变化",
    "panel.name.moving_mean": "移动平均",
    "panel.name.gamma_beta": "γ 和 β",
    "panel.name.training": "训练",
    "panel.name.inside_one_step": "单步详解",
    "panel.name.precise_statistics": "精确统计量",
    "panel.nothing_recorded": "尚无记录：按 **单步**（或 **运行**）训练一个小批量。",
    "panel.moving_mean.population_button": "立即重新计算总体统计量",
    "panel.moving_mean.population_help": "用当前权重遍历一次整个训练集（约一秒）。",
    "panel.moving_mean.numbers": (
        "第 {step} 步，通道 {channel}：移动平均均值 {moving_mean:.5f}，小批量均值的平均 {target_mean:.5f}；"
        "移动平均方差（{kind}）{moving_var:.5f}，小批量方差的平均（{kind}）{target_var:.5f}。"
        "全部训练值的方差（有偏）为 {whole_var:.5f}：它还包含各小批量均值之间的离散。"),
    "panel.training.epoch": "迭代周期",
    "panel.training.loss": "损失",
    "panel.training.train_acc": "训练精度",
    "panel.training.test_acc": "测试精度",
    "panel.inside.heading": "**第 {step} 步，层 {layer}，通道 {channel}**——用{mode}规范化，每个通道 n = {n:,} 个值。",
    "panel.inside.mode_batch": "这个小批量的均值和（有偏）方差",
    "panel.inside.mode_moving": "移动统计量（预测模式）",
    "panel.inside.mean": "μ（均值）",
    "panel.inside.variance": "σ²（方差）",
    "panel.inside.layer_output": "y 层的输出",
    "panel.inside.raw_live": "原始值只为最新的 8 步保留；再走一步即可看到。",
    "panel.inside.raw_recording": "录制只保留统计量，不保留原始值；打开实时训练才能看到 x → x̂ → y。",
    "panel.inside.checks": "上面的算式与该层记录值之间的最大差异：{largest:.2g}（float32 舍入误差）。",
    "panel.inside.update.recorded": "记录值：",
    "panel.inside.update.unbiased": "无偏小批量方差 σ²·n/(n−1)",
    "panel.inside.update.biased": "有偏小批量方差 σ²",
    "panel.inside.update.cumulative": "这个 nn.BatchNorm 的 momentum=None：累积平均，而非指数移动平均。",
    "panel.inside.update.unchanged": "这一次前向传播中移动统计量没有变化（预测模式）。",
    "panel.precise.needs_live": "精确统计量需要实时训练的权重；录制只保留统计量。请切换到*实时训练*进行比较。",
    "panel.precise.button": "立即比较",
    "panel.precise.help": "在训练集上重新计算统计量，并分别测试（几秒钟）。",
    "panel.precise.step": "步",
    "panel.precise.epoch_end": "迭代周期结束",
    "panel.precise.acc_moving": "测试精度（移动统计量）",
    "panel.precise.acc_precise": "测试精度（精确统计量）",
    "panel.precise.difference": "差值",
    "panel.precise.when": "每个迭代周期结束时计算，也可以用按钮立即计算。",

    # --- 图（bnviz/figures/*.py）-----------------------------------------------------------------------
    "axis.step": "步",
    "axis.value": "值",
    "axis.count": "个数",
    "axis.mean": "均值",
    "axis.variance": "方差",
    "axis.moving_minus_average": "移动 − 平均",
    "axis.cross_entropy": "交叉熵",
    "axis.share_correct": "正确比例",
    "figure.quantity.input": "输入 x（批量规范化之前）",
    "figure.quantity.x_hat": "x̂ = (x − μ) / √(σ² + ε)",
    "figure.quantity.output": "输出 y = γ·x̂ + β",
    "figure.quantity.activation": "激活函数之后",
    "figure.dist.after": "{activation} 之后",
    "figure.dist.hover": "%{{x:.3f}}：%{{y}} 个值<extra></extra>",
    "figure.dist.outside": "{quantity}：{below} 个低于、{above} 个高于范围",
    "figure.dist.spike": ("输入在 {value:.3g} 处的高柱占全部值的 {percent:.0f}%：这是真实的"
                          "（相等的值，例如卷积在空白背景上恰好输出其偏置）"),
    "figure.dist.saturated": " · 饱和（|y| > {limit:.3g}）：{percent:.1f}%",
    "figure.dist.all_values": "全部值",
    "figure.dist.sample": "{total:,} 个值中随机抽取的 {used:,} 个",
    "figure.dist.channel": "通道 {channel}（共 {count:,} 个值）",
    "figure.dist.title": "层 {layer}，第 {step} 步，{which}：{sample}的计数{saturated}",
    "figure.heat.colorbar": "该步的值<br>所占比例",
    "figure.heat.hover": "第 %{{x}} 步<br>值 %{{y:.3f}}<br>比例 %{{z:.2%}}<extra></extra>",
    "figure.heat.title": ("层 {layer}：{quantity}随步数的变化，全部通道"
                          "（固定范围 {low:.3g} … {high:.3g}；{percent:.2f}% 的值落在范围外）"),
    "figure.channel.band": "均值 ± 1 个标准差（有偏）",
    "figure.channel.mean": "均值",
    "figure.channel.title": "层 {layer}，通道 {channel}：{quantity}随步数的变化（每个小批量的每一个值）",
    "figure.pct.sigmoid_input": "sigmoid 输入",
    "figure.pct.bn_input": "批量规范化输入",
    "figure.pct.of_output": "批量规范化输出（即 sigmoid 输入）",
    "figure.pct.title": "层 {layer}：{which}的第 15、50、85 百分位数，全部通道（每步 {used:,} 个随机值）",
    "figure.bands.range": "{label}：第 15–85 百分位",
    "figure.bands.median": "{label}：中位数",
    "figure.conv.batch_mean": "小批量均值（本小批量）",
    "figure.conv.batch_var_unbiased": "小批量方差，无偏（本小批量）",
    "figure.conv.batch_var_biased": "小批量方差，有偏（本小批量）",
    "figure.conv.running_var": "running_var（无偏）",
    "figure.conv.moving_var": "moving_var（有偏）",
    "figure.conv.mean_title": "通道 {channel} 的均值",
    "figure.conv.var_title": "通道 {channel} 的方差（{kind}）",
    "figure.conv.gap_title": "差距：移动统计量 − 训练集全部小批量上的平均",
    "figure.conv.target": "训练集全部小批量上的平均（当前权重）",
    "figure.conv.mean_gap": "均值差距",
    "figure.conv.var_gap": "方差差距",
    "figure.gb.gamma": "γ（拉伸参数）",
    "figure.gb.beta": "β（偏移参数）",
    "figure.training.loss": "损失",
    "figure.training.accuracy": "精度",
    "figure.training.batch_loss": "小批量损失",
    "figure.training.batch_acc": "小批量精度（训练）",
    "figure.training.epoch_loss": "迭代周期平均损失",
    "figure.training.epoch_train_acc": "迭代周期训练精度",
    "figure.training.test_acc": "测试精度（预测模式）",
    "figure.net.bn": "有 BN",
    "figure.net.no_bn": "无 BN",
    "figure.fig1.pct_title": "第 {sigmoid} 个 sigmoid 的输入：第 15、50、85 百分位数",
    "figure.fig1.acc_title": "测试精度",
    "figure.fig1.net": "{net}（学习率 {lr:g}）",
    "figure.fig1.acc": "{net}：测试精度",
    "figure.twin.title": "本章的批量规范化与 nn.BatchNorm：最大绝对差异",
    "figure.twin.loss": "损失",
    "figure.twin.stored": "存储的 moving_var（本应不同：有偏与无偏）",
    "figure.twin.converted": "换算后的 moving_var",
    "figure.precise.moving": "移动统计量（预测模式所用）",
    "figure.precise.precise": "在训练集上重新计算（精确统计量）",
    "figure.precise.title": "测试精度",

    # --- 实验页面（bnviz/app/experiments.py、cards.py）-------------------------------------------------
    "experiments.tab.label": "实验",
    "experiments.tab.cards": "实验卡片",
    "experiments.tab.mode_matrix": "模式矩阵",
    "experiments.tab.figure1": "图 1",
    "experiments.tab.twin": "孪生运行",
    "experiments.modes.title": "模式矩阵：train()/eval() × 梯度开启/关闭",
    "experiments.modes.layer": "层",
    "experiments.modes.module": "模块模式",
    "experiments.modes.gradients": "梯度",
    "experiments.modes.normalises_with": "用于规范化的统计量",
    "experiments.modes.moving_change": "移动统计量是否改变",
    "experiments.modes.note": "说明",
    "experiments.modes.chapter_layer": "本章的 BatchNorm（is_grad_enabled 规则）",
    "experiments.modes.bnviz_layer": "bnviz.BatchNorm（self.training 规则）",
    "experiments.modes.on": "开启",
    "experiments.modes.batch_statistics": "小批量统计量",
    "experiments.modes.moving_statistics": "移动统计量",
    "experiments.modes.neither": "两者都不是（意外）",
    "experiments.modes.trap": "陷阱：只调用 eval() 不够",
    "experiments.modes.quiet_switch": "train() 在 no_grad 下悄悄切换为预测模式",
    "experiments.fig1.title": "批量规范化论文的图 1，在这个 LeNet 上",
    "experiments.steps": "步数",
    "experiments.fig1.lr_plain": "无 BN 网络的学习率",
    "experiments.fig1.lr_bn": "有 BN 网络的学习率",
    "experiments.fig1.sigmoid": "Sigmoid",
    "experiments.fig1.sigmoid_0": "卷积层 1 之后",
    "experiments.fig1.sigmoid_1": "卷积层 2 之后",
    "experiments.fig1.sigmoid_2": "全连接层 1 之后",
    "experiments.fig1.sigmoid_3": "全连接层 2 之后（最后一个隐藏层）",
    "experiments.fig1.run": "并排训练两个网络",
    "experiments.fig1.training": "正在训练两个网络…",
    "experiments.progress_step": "第 {done} 步，共 {total} 步",
    "experiments.twin.title": "孪生运行：本章的 BatchNorm 与 nn.BatchNorm",
    "experiments.twin.run": "两者各走一步",
    "experiments.twin.step": "第 {step} 步",
    "experiments.twin.grew": ("本次运行中，小批量均值的最大差异从第 {first_step} 步的 {first:.2g} "
                              "变为第 {last_step} 步的 {last:.2g}。"),
    "experiments.twin.reset": "重新开始孪生运行",
    "experiments.fork.title": "从这里分叉",
    "experiments.fork.intro": ("从本次运行分出一个反事实：从所选的步开始，模型的一个副本沿原来的设置继续训练，"
                               "另一个副本只改一处设置，两者用同样的小批量训练。实时运行不受影响：它停在原来的步，"
                               "数字不变。"),
    "experiments.fork.from_step": "在第几步分叉",
    "experiments.fork.from_step_help": "现在，或更早的一步（回退点）：该步的模型在副本中由最近的快照精确重放得到。",
    "experiments.fork.change": "改动",
    "experiments.fork.change.lr": "学习率 × k",
    "experiments.fork.change.group": "批量规范化 → 组规范化（全连接层之后为层规范化）",
    "experiments.fork.change.layer": "批量规范化 → 层规范化",
    "experiments.fork.change.none": "批量规范化 → 无（去掉批量规范化）",
    "experiments.fork.change.frozen": "冻结批量规范化的统计量（用移动平均规范化，且移动平均不再更新）",
    "experiments.fork.change.batch": "另一个批量大小",
    "experiments.fork.factor": "k（分叉的学习率 = 学习率 × k）",
    "experiments.fork.batch_size": "分叉的批量大小",
    "experiments.fork.steps": "步数（每个副本）",
    "experiments.fork.run": "分叉并训练两者",
    "experiments.fork.pause_first": "请先暂停运行，再分叉。",
    "experiments.fork.waiting": "正在等待训练名额…",
    "experiments.fork.replaying": "正在重建第 {step} 步的模型…",
    "experiments.fork.progress": "第 {done} 步，共 {total} 步（原运行与分叉）",
    "experiments.fork.failed": "分叉失败：{error}。实时运行没有改变。",
    "experiments.fork.bad_factor": "k 必须是大于 0、至多 {top:g} 的数；现在是 {value}。",
    "experiments.fork.bad_batch": "分叉的批量大小必须是 1 到 {top:,} 之间的整数；现在是 {value}。",
    "experiments.fork.bad_steps": "步数必须是 1 到 {top} 之间的整数；现在是 {value}。",
    "experiments.fork.bad_step": "分叉的步必须是 0 到本次运行当前步 {now} 之间的整数；现在是 {value}。",
    "experiments.fork.no_bn": "本次运行没有可替换或冻结的批量规范化层：请选择学习率或批量大小，或换一个带批量规范化的模型后按“重置”。",
    "experiments.fork.test_acc": ("第 {step:,} 步之后的测试精度：原运行 {original:.2%}，分叉 {fork:.2%}"
                                  "（{images:,} 张测试图像，使用移动平均统计量）。"),
    "experiments.fork.diverged": "分叉在第 {step:,} 步发散（第一个非有限的损失）；它的曲线在那里结束。",
    "experiments.fork.layer": "批量规范化层的位置",
    "experiments.fork.hist_caption": ("使用第 {step:,} 步的小批量，即分叉之后数据流中的下一个小批量（{images:,} 张图像，"
                                      "两者相同）；统计每一个值；训练模式的前向传播（批量规范化用这个小批量的统计量）。"
                                      "在 net[{layer}] 处：原运行 `{original}`，分叉 `{fork}`。"),
    "experiments.fork.nonfinite": "{quantity}中非有限的值（不在任何区间内）：原运行 {original:.1%}，分叉 {fork:.1%}。",
    "experiments.fork.no_layers": "本次运行没有批量规范化层：没有可比较的直方图。",
    "experiments.fork.clear": "清除分叉",
    "experiments.fork.lr": "学习率 × {k:g}",
    "experiments.fork.group": "批量规范化 → 组规范化",
    "experiments.fork.layer_norm": "批量规范化 → 层规范化",
    "experiments.fork.none": "批量规范化 → 无",
    "experiments.fork.frozen": "冻结批量规范化的统计量",
    "experiments.fork.batch": "批量大小 {n}",
    "experiments.fork.no_change": "无改动",
    "experiments.fork.sep": "，",
    "experiments.fork.fig.title": "第 {step} 步的分叉：{change}",
    "experiments.fork.fig.loss": "训练损失",
    "experiments.fork.fig.acc": "小批量精度",
    "experiments.fork.fig.before": "分叉之前",
    "experiments.fork.fig.original": "原运行",
    "experiments.fork.fig.fork": "分叉：{change}",
    "experiments.fork.fig.hist_title": "第 {step} 步的分叉：{change}；net[{layer}]，第 {batch_step} 步的小批量",
    "experiments.fork.fig.input": "net[{layer}] 的输入（它规范化的值）",
    "experiments.fork.fig.output": "net[{layer}] 的输出",
    "experiments.fork.fig.value": "值",
    "experiments.fork.fig.share": "每个区间中值的占比",
    "cards.card": "实验卡片",
    "cards.published": "已发表的结论：{headline}",
    "cards.quick": "快速设置（几秒钟，先看一眼）",
    "cards.quick_settings": "快速设置：{settings}",
    "cards.default_settings": "默认设置，在 2 核 CPU 上不超过 {seconds:.0f} 秒：{note}",
    "cards.run": "运行这张卡片",
    "cards.waiting": "正在等待训练名额…",
    "cards.progress": "{done:,} / {total:,}",
    "cards.busy": "服务器正忙于其他会话：一旦有空闲的训练名额，这次运行就会继续。",
    "cards.failed": "这张卡片未能完成：{error}",
    "cards.download": "下载表格（CSV）",
    "cards.footer": "{data}；{seconds:.1f} 秒。可迁移之处：{transfer}",
    "cards.pause": "暂停",
    "cards.resume": "继续",
    "cards.cancel": "取消",
    "cards.paused": "已暂停于 {done:,} / {total:,}：点“继续”从这里接着运行，点“取消”放弃这次运行",
    "cards.one_at_a_time": "本会话中已有一张卡片在运行（每次只能运行一个）：请先暂停、继续或取消它。",
    "cards.cancelled": "这次运行已取消。",
    "cards.abandoned": "{name} 的运行已取消：卡片或其设置已更改。",

    # --- 回放页面（bnviz/app/replay.py、distributed.py）---------------------------------------------
    "replay.could_not_open": "无法打开 {name}：{error}",
    "replay.too_large": "{name} 有 {size:.0f} MiB；录制文件最多 {limit:.0f} MiB。",
    "replay.too_large_on_server": "{name} 超过了录制文件允许的大小。",
    "replay.header": "回放录制",
    "replay.upload": "上传 .bnviz 文件",
    "replay.upload_help": "由 `python -m bnviz record` 或 bnviz.save_recording(...) 写出",
    "replay.pick": "……或从本服务器的 runs/ 中选择一个",
    "replay.pick_placeholder": "选择一个录制",
    "replay.none_on_server": "本服务器的 runs/ 中没有录制。",
    "replay.step": "步",
    "replay.describe": ("{name}：{steps:,} 个记录步，norm={norm}，lr={lr}，小批量 {batch_size}；"
                        "数据：{data}；录制于 {device}"),
    "distributed.reading": (
        "**这里显示什么。** 在 DistributedDataParallel 下，每个副本用自己那一份小批量（B/N 个样本）"
        "的统计量做规范化：各副本的小批量均值散布在全局小批量均值周围，就像 `small-batch` 实验卡片中的"
        "幽灵小批量。开启 `broadcast_buffers`（DDP 的默认值）时，每个副本在每步开始时采用 0 号进程的"
        "移动统计量；关闭时，它们会逐渐分离。`nn.SyncBatchNorm` 用全局统计量规范化每个副本，代价是每个"
        "批量规范化层每步一次 all_gather（前向）和一次 all_reduce（反向）。"),
    "distributed.title": "分布式录制",
    "distributed.layer": "批量规范化层",
    "distributed.channel": "通道",
    # --- 合并前预备：viz_app.py 和 controls.py 的文字（合并后由负责人替换为 t(...) 调用）------------
    "app.page_title": "bnviz——批量规范化，一步一步看",
    "app.title": "批量规范化，一步一步看",
    "app.loading": "正在加载 Fashion-MNIST…",
    "app.data_failed": "无法加载 Fashion-MNIST。\n\n{error}",
    "app.mode": "模式",
    "app.mode.live": "实时训练",
    "app.mode.experiments": "实验",
    "app.mode.replay": "回放录制",
    "app.language": "Language / 语言",
    "app.view.layer": "批量规范化层",
    "app.view.channel": "通道",
    "app.view.heat_map_of": "热图显示",
    "app.view.percentiles_of": "百分位数显示",
    "app.view.pct_output": "sigmoid 输入（批量规范化输出）",
    "app.view.pct_input": "批量规范化输入",
    "app.view.pooled": "直方图：全部通道合并",
    "app.view.pooled_help": "关闭时，*当前分布*和*随时间变化*只显示所选通道。",
    "app.view.first_8": "γ 和 β：前 8 个通道",
    "app.view.panel": "面板",
    "app.layer.none": "这个模型没有批量规范化层",
    "app.layer.label": "net[{name}] · {kind}，{channels} 个通道",
    "app.status": ("**第 {step} 步** · 第 {epoch} 个迭代周期（第 {batch} 个小批量，共 {steps_per_epoch} 个）· "
                   "已看过 {images_seen:,} 张图像 · 设备 **{device}**"),
    "app.status.running": " · 运行中…",
    "app.status.epoch_end": "一个迭代周期结束：先在整个训练集上计算其总体统计量和精确统计量，再继续训练…",
    "app.busy": "服务器正忙于其他会话；训练稍后继续。",
    "app.training_stopped": "训练已停止：{error}。按“重置”重新开始。",
    "app.panel_failed": "无法绘制这个面板。你的会话仍保留：请选择其他面板，若再次发生请按“重置”。",
    "app.page_failed": "绘制本页时发生意外错误。你的会话仍保留：若再次发生请按“重置”。",
    "app.replay.open": ("请在侧边栏打开一个录制：上传由 `python -m bnviz record ...` 写出的 `.bnviz` 文件，"
                        "或从本服务器的 `runs/` 中选择一个。"),
    "app.replay.below": "下方：一个副本的层（`rankR/layer`），使用单次运行的面板。",
    "app.replay.record_at": "显示第 {step} 步的记录；随时间变化的面板显示整个录制。",
    "controls.norm.custom": "本章的 BatchNorm",
    "controls.norm.torch": "nn.BatchNorm2d / 1d",
    "controls.norm.none": "无 BN",
    "controls.failed": "操作未成功：{error}。你的会话仍保留；请修改设置或按“重置”。",
    "controls.cannot_reset": "无法用这些设置重置：{problems}。",
    "controls.busy": "服务器正在为其他同学训练；请稍后再按“单步”。",
    "controls.settings": "设置",
    "controls.model": "模型",
    "controls.lr": "学习率",
    "controls.batch_size": "批量大小",
    "controls.momentum": "批量规范化的 momentum（本章的约定）",
    "controls.torch_momentum": "PyTorch 中对应的值：momentum = {momentum:.4g}",
    "controls.eps": "批量规范化的 eps",
    "controls.seed": "随机种子",
    "controls.device": "设备",
    "controls.fix": "请先修正再重置：{problems}。",
    "controls.changed": "设置已更改——按 **重置** 用新设置开始一次新的运行。",
    "controls.data": "**数据**：{data}",
    "controls.subset": ("这是 bnviz 附带的小子集，不是完整数据集：数字会与本章的不同。"
                        "安装 `dataset-fashion-mnist` 可获得完整数据集。"),
    "controls.training": "训练",
    "controls.step": "单步",
    "controls.step_help": "训练一个小批量",
    "controls.pause": "暂停",
    "controls.run": "运行",
    "controls.step_n": "走 N 步",
    "controls.epoch": "运行到迭代周期结束",
    "controls.reset": "重置",
    "controls.rewind_to": "回退到第几步",
    "controls.rewind_to_help": "回到之前的某一步；再向前走会得到相同的数字。",
    "controls.rewind": "回退",
    "controls.breakpoints": "断点",
    "controls.bp.nan": "损失或任何统计量出现 NaN 或 Inf 时，运行总会停止。",
    "controls.bp.jump_on": "损失跳升到超过",
    "controls.bp.jump": "× 上一步的损失",
    "controls.bp.gap_on": "移动平均均值与小批量均值相差超过",
    "controls.bp.gap": "个小批量标准差（第 30 步之后）",
    "controls.bp.step": "在第几步停止（0：关闭）",
    "controls.bp.epoch": "每个迭代周期结束时停止",
    # --- 运行为何自己停下（bnviz/debug/breakpoints.py） -------------------------------------------------
    "debug.diverged_loss": "训练在第 {step} 步发散：损失是 {loss}。请降低学习率（本章用 1.0）并按“重置”。",
    "debug.diverged_loss_at": ("训练在第 {step} 步发散：损失是 {loss}；捕获到的第一个非有限值是层 {layer} 通道 {channel} "
                               "的 {field}。请降低学习率（本章用 1.0）并按“重置”。"),
    "debug.diverged_field": ("训练在第 {step} 步发散：层 {layer} 通道 {channel} 的 {field} 不是有限值（此时损失仍是 "
                             "{loss:.4g}）。请降低学习率并按“重置”。"),
    "debug.loss_jump": ("在第 {step} 步停下：损失从 {prev:.4g} 跳到 {loss:.4g}（×{ratio:.1f}），超过 ×{limit:g}："
                        "上一次更新走过头了。{detail}较小的学习率可以避免这种情况。"),
    "debug.shift_jumped": "第一个小批量统计量跳变的层是层 {layer}：它的小批量均值移动了上一个小批量的 {shift:.1f} 个标准差。",
    "debug.shift_most": "小批量统计量移动最多的是层 {layer}：它的小批量均值移动了上一个小批量的 {shift:.1f} 个标准差。",
    "debug.gap": ("在第 {step} 步停下：层 {layer} 通道 {channel} 的移动平均值与这个小批量的均值相差 {gap:.2f} 个"
                  "小批量标准差（阈值 {limit:g}）：预测模式对这个小批量的规范化会与训练时大不相同。"),
    "debug.at_step": "按要求在第 {step} 步停下。",
    "debug.epoch_end": "按要求在一个迭代周期结束时（第 {step} 步）停下。",
    "app.mode.tour": "导览",
    "panels.svg": "SVG 图",
    # --- 课程链接（bnviz/app/lesson.py、bnviz/app/links.py） ----------------------------------------------
    "lesson.notices": "**这个课程链接中有些字段无法使用**；下面每一项改用默认值，链接的其余部分照常生效：",
    "lesson.ok": "知道了",
    "lesson.fixes": "本课固定了：{names}。",
    "lesson.hides": "隐藏了：{names}。",
    "lesson.separator": "、",
    "lesson.copy": "复制课程链接",
    "lesson.copied": "已复制 ✓",
    "lesson.copy_failed": "无法复制：请打开下面的“课程链接”",
    "lesson.link": "课程链接",
    "lesson.link_caption": ("打开这个链接的人会得到这次运行（相同的设置和种子：相同的数字）、这个视图和这一步。"
                            "链接中的设置是当前运行的设置：要分享改动过的设置，请先按“重置”。"),
    "links.name.page": "页面",
    "links.name.norm": "模型",
    "links.name.lr": "学习率",
    "links.name.batch_size": "批量大小",
    "links.name.momentum": "批量规范化的动量",
    "links.name.eps": "批量规范化的 eps",
    "links.name.seed": "种子",
    "links.name.device": "设备",
    "links.name.panel": "面板",
    "links.name.layer": "批量规范化层",
    "links.name.channel": "通道",
    "links.name.lang": "语言",
    "links.name.reset": "“重置”按钮",
    "links.name.training": "训练按钮",
    "links.unknown_field": "{name} 不是课程链接的字段，已忽略。字段有：`{fields}`。",
    "links.too_long": "{name}：值有 {chars} 个字符，太长；改用默认值。",
    "links.default": "{name}={value}：{problem}；改用默认值（{default}）。",
    "links.default_none": "{name}={value}：{problem}；改用默认值。",
    "links.partly": "{name}={value}：{problem}。",
    "links.stop_ignored": "stop 是导览的站号，只在 page=tour 时有效；已忽略。",
    "links.one_of": "{what} 必须是 `{choices}` 之一",
    "links.page_absent": "这个版本的应用没有 {page} 页面",
    "links.no_device": "这台服务器没有 {device} 设备（它有 `{devices}`）",
    "links.whole": "{what} 必须是整数",
    "links.number": "{what} 必须是数字",
    "links.finite": "{what} 必须是有限的数字",
    "links.between": "{what} 必须在 {low} 到 {high} 之间",
    "links.layer": "layer 必须是批量规范化层的名字，例如 1",
    "links.cannot_lock.one": "{names} 不能固定，已忽略（可用的名字：`{lockable}`）",
    "links.cannot_lock.many": "{names} 不能固定，已忽略（可用的名字：`{lockable}`）",
    "links.cannot_hide.one": "{names} 不能隐藏，已忽略（可用的名字：`{lockable}`）",
    "links.cannot_hide.many": "{names} 不能隐藏，已忽略（可用的名字：`{lockable}`）",
    "links.no_bn_layer": "layer={layer}：这个模型没有批量规范化层；已忽略。",
    "links.bad_layer": "layer={layer}：这个模型的批量规范化层是 `{layers}`；改用第一个（{first}）。",
    "links.bad_channel": "channel={channel}：层 {layer} 的通道是 0 到 {last}；改用通道 0。",
    # --- RunConfig 的检查（bnviz/train/config.py）和数据集的描述（bnviz/data） --------------------------
    "config.got": "{problem}，实际是 {value}",
    "config.one_of": "{what} 必须是 `{choices}` 之一",
    "config.number": "{what} 必须是数字",
    "config.whole": "{what} 必须是整数",
    "config.between": "{what} 必须在 {low:g} 到 {high:g} 之间",
    "data.describe": "{kind}：{train:,} 张训练图像 / {test:,} 张测试图像（{source}，{path}）",
    "data.subset": "bnviz 自带的 Fashion-MNIST 子集",
    "data.full": "完整的 Fashion-MNIST",
    "data.part": "Fashion-MNIST 的一部分（不是完整数据集）",
    "data.source.explicit": "指定的路径",
    "data.source.explicit_torchvision": "指定的路径（torchvision 的目录结构）",
    "data.source.local": "./data（torchvision 的目录结构）",
    "data.source.debian": "Debian 的 dataset-fashion-mnist",
    "data.source.download": "torchvision 下载",
    "data.source.subset": "bnviz 自带的子集",
    # --- 导览的表格（bnviz/experiments/tour_stops.py） -----------------------------------------------------
    "tour.col.x_hat_layer": "层计算的 x̂",
    "tour.col.y_layer": "层输出的 y",
    "tour.col.channel": "通道",
    "tour.col.input_mean": "μ（输入均值）",
    "tour.col.input_var": "σ²（输入方差）",
    "tour.col.x_hat_mean": "x̂ 的均值",
    "tour.col.x_hat_var": "x̂ 的方差",
    "tour.col.epoch": "迭代周期",
    "tour.col.step": "步",
    "tour.col.acc_moving": "测试精度（移动统计量）",
    "tour.col.acc_precise": "测试精度（精确统计量）",
    "tour.col.difference": "差",
    "tour.col.card": "卡片",
    "tour.col.published": "发表的结论",
    "tour.col.source": "出处",
    "tour.col.rule": "规则",
    "tour.rule.chapter": "本章的规则：torch.is_grad_enabled()",
    "tour.rule.torch": "PyTorch 的规则：self.training",
    # --- 导览（bnviz/app/tour.py 和 bnviz/experiments/tour_texts.py） --------------------------------------
    "tour.ui.title": "导览：批量规范化，{n} 站",
    "tour.ui.run": ("全班共用的一次真实运行：本章带批量规范化的 LeNet，学习率 {lr:g}，批量大小 {batch_size}，"
                    "动量 {momentum:g}，ε {eps:g}，种子 {seed}；训练 {steps} 步（{epochs} 个迭代周期，每个 "
                    "{images:,} 张训练图像），数据是 **{data}**。在这台服务器上训练一次，用时 {seconds:.0f} 秒，"
                    "由使用同一种子的所有学生只读共享。"),
    "tour.ui.building": "正在为全班训练一次导览的运行（种子 {seed}）；之后使用这个种子的每个学生都共享它…",
    "tour.ui.stop": "第 {n} 站，共 {total} 站：{title}",
    "tour.ui.your_answer": "你的答案",
    "tour.ui.reveal": "揭晓",
    "tour.ui.right": "答对了。",
    "tour.ui.wrong": "不太对：答案是 **{answer}**。",
    "tour.ui.no_answer": "答案是 **{answer}**。",
    "tour.ui.link": "[在自由模式中打开这个视图]({link})：相同的设置和视图，在你自己的一次运行中。",
    "tour.ui.back": "← 上一站",
    "tour.ui.next": "下一站 →",
    "tour.ui.bad_stop": "`stop={value}` 不是这个导览的站：站号是 1 到 {total}。现在显示第 1 站；用“上一站”和“下一站”移动。",
    "tour.ui.bad_seed": "`seed={value}` 不是导览能用的种子（0 到 {high:,} 的整数）。改用种子 {default}。",
    "tour.ui.failed": "导览的运行无法训练：{err}。请重新加载页面再试。",
    "tour.drift.title": "网络学习时，一层的输入在漂移",
    "tour.drift.question": ("两个 LeNet 从相同的权重出发，看到相同的 {steps} 个小批量；其中一个没有批量规范化。"
                            "第 {sigmoid} 号 sigmoid（net[{layer}] 之后那个）的输入，在这些步里谁移动得更多？"),
    "tour.drift.reveal": ("在前 {steps} 步中，这个 sigmoid 输入的**中位数**的变化范围：没有批量规范化时为 "
                          "**{range_plain:.3f}**，有批量规范化时为 **{range_bn:.3f}**（{ratio:.2f}×）。没有批量规范化时，"
                          "第 15/50/85 百分位数从第 1 步的 {first_plain} 变为第 {steps} 步的 {last_plain}；有批量规范化时从 "
                          "{first_bn} 变为 {last_bn}。这种漂移就是批量规范化论文所说的*内部协变量偏移*。第 {steps} 步的"
                          "测试精度：没有批量规范化 {acc_plain:.3f}，有批量规范化 {acc_bn:.3f}（两者的学习率都是 {lr:g}）。"),
    "tour.drift.choice0": "没有批量规范化的网络",
    "tour.drift.choice1": "有批量规范化的网络",
    "tour.drift.choice2": "差不多（相差 25% 以内）",
    "tour.one-step.title": "批量规范化的一步，用真实的数字",
    "tour.one-step.question": ("第 {step} 步，net[{layer}] 的通道 {channel} 在 n = {n:,} 个值上的小批量均值 μ = {mu:.5f}，"
                               "（有偏）方差 σ² = {var:.5f}；ε = {eps:g}。一个真实输入是 x = {x:.5f}。x̂ 是多少？"),
    "tour.one-step.reveal": ("x̂ = (x − μ) / √(σ² + ε) = ({x:.5f} − {mu:.5f}) / √({var:.5f} + {eps:g}) = "
                             "({diff:.5f}) / {std:.5f} = **{x_hat:.4f}**。然后 y = γ·x̂ + β = {gamma:.4f} × {x_hat:.4f} + "
                             "{beta:.4f} = **{y:.4f}**；层自己输出的是 {y_layer:.4f}。移动平均值的更新："
                             "{m:g} × {mm0:.5f} + {one_minus_m:g} × {mu:.5f} = {mm1:.5f}（记录值：{mm_layer:.5f}）。"
                             "表中是这一步的另外几个真实值。"),
    "tour.one-step.choice0": "{c0:.4f}",
    "tour.one-step.choice1": "{c1:.4f}",
    "tour.one-step.choice2": "{c2:.4f}",
    "tour.standardised.title": "x̂ 按通道标准化",
    "tour.standardised.question": ("第 {step} 步，net[{layer}] 输入的 {C} 个通道的均值从 {mean_lo:.3f} 到 {mean_hi:.3f}，"
                                   "方差从 {var_lo:.4f} 到 {var_hi:.4f}。经过 x̂ = (x − μ) / √(σ² + ε) 之后，"
                                   "每个通道的均值和方差是多少？"),
    "tour.standardised.reveal": ("在这一步每个通道的全部 {values:,} 个值上，x̂ 的均值与 0 相差不超过 "
                                 "**{max_abs_mean:.1e}**，方差从 **{xvar_lo:.6f}** 到 **{xvar_hi:.6f}**：每个通道恰好是 "
                                 "σ²/(σ² + ε)（最大差 {max_var_gap:.1e}），因为 ε 而略小于 1。每个通道用自己的 μ 和 σ² "
                                 "标准化；表中列出了它们。"),
    "tour.standardised.choice0": "每个通道：均值 0，方差（略小于）1",
    "tour.standardised.choice1": "只有所有通道合在一起时，均值才是 0、方差才是 1",
    "tour.standardised.choice2": "各通道保持各自不同的均值；只是离散程度被重新缩放",
    "tour.gamma-beta.title": "γ 和 β 是学出来的",
    "tour.gamma-beta.question": ("每个通道的拉伸参数 γ 从 1 开始、偏移参数 β 从 0 开始，SGD 像训练权重一样训练它们。"
                                 "{steps} 步之后，net[{layer}] 通道 {channel} 的 γ 大于还是小于 1？"),
    "tour.gamma-beta.reveal": ("通道 {channel} 的 γ 从 {gamma0:.4f} 变为 **{gamma1:.4f}**，β 从 {beta0:.4f} 变为 "
                               "**{beta1:.4f}**。在这一层的 {C} 个通道上，γ 现在介于 {gamma_lo:.3f} 和 {gamma_hi:.3f} 之间，"
                               "β 介于 {beta_lo:.3f} 和 {beta_hi:.3f} 之间；通道 {far} 离 γ = 1 最远。"
                               "γ = √(σ² + ε) = {undo_gamma:.4f} 和 β = μ = {undo_beta:.4f} 会抵消这一步对通道 {channel} "
                               "的规范化：SGD 找到的是别的值。"),
    "tour.gamma-beta.choice0": "大于 1",
    "tour.gamma-beta.choice1": "小于 1",
    "tour.moving-mean.title": "移动平均值收敛",
    "tour.moving-mean.question": ("移动平均值从 0 开始，每一步变为 {m:g} × 移动平均值 + {one_minus_m:g} × 小批量均值。"
                                  "多少步之后，它的初始值所占的权重小于 {tol:.0%}？"),
    "tour.moving-mean.reveal": ("初始值的权重是 m^k = {m:g}^k，从 k = ⌈ln {tol:g} / ln {m:g}⌉ = **{k_star}** 步起小于 "
                                "{tol:.0%}（{m:g}^{k_star} = {start_weight:.4f}）。它所平均的值的平均“年龄”是 "
                                "1/(1 − m) = {mean_age:.3g} 步。在这次运行中，net[{layer}] 的通道 {channel} 在 {k_run} 步之后："
                                "层的移动平均值是 {moving_k:.5f}；用记录下的 {k_run} 个小批量均值重新计算的同一平均是 "
                                "{ema_k:.5f}。在迭代周期 1 结束时（第 {e1_step} 步），移动平均值是 {moving_e1:.5f}，"
                                "用那时的权重在整个训练集上平均的小批量均值是 {precise_e1:.5f}：相差 {gap_e1:+.5f}。"),
    "tour.moving-mean.choice0": "{c0}",
    "tour.moving-mean.choice1": "{c1}",
    "tour.moving-mean.choice2": "{c2}",
    "tour.train-eval.title": "训练模式与预测模式的陷阱",
    "tour.train-eval.question": ("本章的 batch_norm 用 torch.is_grad_enabled() 选择模式。一个学生调用了 net.eval()，"
                                 "*没有*用 torch.no_grad() 就测量测试精度。每个测试小批量是用哪种统计量规范化的？"),
    "tour.train-eval.reveal": ("在 {test_images:,} 张测试图像上，按本章规则的最终模型在 eval() + torch.no_grad() 下"
                               "（移动统计量）得分 **{no_grad_acc:.4f}**，只用 eval() 时得分 **{eval_alone_acc:.4f}**"
                               "（{acc_gap:+.4f}）：第二个数用的是每个测试小批量自己的统计量，而不是模型的。同时 "
                               "net[{layer}] 的移动平均值最多移动了 {max_shift:.4f}（通道 {shift_channel}：{shift_before:.4f} → "
                               "{shift_after:.4f}）：测试集泄漏进了模型。按 PyTorch 的规则（self.training，与 nn.BatchNorm "
                               "相同），只用 eval() 得分 {torch_rule_acc:.4f}，与用 no_grad 时相同。表中：真实的层在一个"
                               "真实测试小批量上、在每种模式下的表现。"),
    "tour.train-eval.choice0": "移动统计量，正如所愿",
    "tour.train-eval.choice1": "每个测试小批量自己的统计量，而且移动统计量还在不断变化",
    "tour.precise.title": "测试精度下降时，过时的移动统计量",
    "tour.precise.question": ("在迭代周期 {epoch} 结束时（第 {step} 步），用移动统计量测得的测试精度从 {prev:.3f} 降到 "
                              "{acc:.3f}。冻结权重，在训练集上重新计算批量规范化的统计量（精确统计量）：测试精度会…"),
    "tour.precise.question_no_dip": ("在这次运行中，用移动统计量测得的测试精度从没有在两个迭代周期之间下降；在迭代周期 "
                                     "{epoch} 结束时（第 {step} 步）它是 {acc:.3f}。冻结权重，在训练集上重新计算批量规范化的"
                                     "统计量（精确统计量）：测试精度会…"),
    "tour.precise.reveal": ("用精确统计量，第 {step} 步的测试精度是 **{precise:.3f}**（{diff:+.3f}）。移动统计量平均的是"
                            "用较早权重看到的小批量；这里 net[{layer}] 通道 {channel} 的移动平均值是 {moving_mean:.5f}，"
                            "精确值是 {precise_mean:.5f}。所有层中最大的差距，以该通道自己的标准差计：{worst_gap:.3f}"
                            "（net[{worst_layer}]）。在全部 {epochs} 个迭代周期上，精确统计量平均相差 {mean_diff:+.3f}。"),
    "tour.precise.choice0": "明显更高（高 1 个百分点或更多）",
    "tour.precise.choice1": "差不多（相差 1 个百分点以内）",
    "tour.precise.choice2": "明显更低（低 1 个百分点或更多）",
    "tour.claims.title": "批量规范化论文的主张，以及后来的研究发现",
    "tour.claims.question": ("Ioffe & Szegedy (2015) 说批量规范化通过减少内部协变量偏移来加速训练。"
                             "Santurkar et al. (2018) 检验了这个主张。他们发现了什么？"),
    "tour.claims.reveal": ("Santurkar et al.：注入噪声来*增大*偏移的批量规范化仍然像批量规范化一样训练，而且有批量规范化时，"
                           "损失及其梯度沿梯度方向的变化更小。在这次运行中，批量规范化改变了第 {sigmoid} 号 sigmoid 输入的"
                           "漂移程度：它的中位数平均每步移动 {step_plain:.4f}（没有批量规范化）和 {step_bn:.4f}（有批量规范化）"
                           "（没有批量规范化时是 {step_ratio:.2f}×）。Santurkar et al. 表明，一层的输入漂移多少，"
                           "并不决定它训练得好不好。已发表的结论，每条都有一张卡片在这里重做"
                           "（`python -m bnviz experiment run NAME`）："),
    "tour.claims.choice0": "批量规范化减少了偏移，这就是它有效的原因",
    "tour.claims.choice1": "批量规范化不一定减少偏移；它让损失曲面更平滑",
    "tour.claims.choice2": "批量规范化只对 sigmoid 网络有帮助",

    # --- 实验卡片的文字（bnviz/experiments/cards/*.py）--------------------------------------------
    'card.bias.title': '批量规范化之前不要偏置',
    'card.bias.question': '我们是否可以从批量规范化之前的全连接层或卷积层中删除偏置参数？为什么？',
    'card.bias.source': '本章练习 1',
    'card.bias.budget_note': '2 个 LeNet × 完整训练集的 2 个迭代周期（940 步）',
    'card.bias.published': '可以：批量规范化的偏移参数 β 取代了偏置，偏置的作用被减去均值抵消；参数更少，精度相同',
    'card.bias.citation': 'Ioffe & Szegedy 2015，第 3.2 节（“偏置 b 可以忽略……它的作用会被随后的减去均值抵消”）',
    'card.bias.transfer': '完全可迁移：这个论证是代数（小批量均值包含偏置），所以对训练模式下任何后接批量规范化的层都成立，LeNet 或 ResNet 皆然；只有训练后期把两次运行分开的浮点舍入误差是本次运行特有的',
    # --- 偏置卡片的图、表和解读（bnviz/experiments/cards/bias.py） ---------------------------------------
    "card.bias.col.variant": "变体",
    "card.bias.col.parameters": "参数个数",
    "card.bias.col.biases": "批量规范化之前的偏置个数",
    "card.bias.col.acc_by_epoch": "各迭代周期的测试精度",
    "card.bias.col.final_acc": "最终测试精度",
    "card.bias.col.final_loss": "最终训练损失",
    "card.bias.cell.with": "有偏置",
    "card.bias.cell.without": "无偏置",
    "card.bias.fig.title": "练习 1：批量规范化之前的偏置",
    "card.bias.fig.loss": "训练损失（10 步平均）",
    "card.bias.fig.gap": "每步的 |有偏置的损失 − 无偏置的损失|",
    "card.bias.fig.moved": "训练中各自移动了多远",
    "card.bias.fig.loss_gap": "损失差",
    "card.bias.fig.bias_change": "偏置的最大变化",
    "card.bias.fig.beta_change": "偏移参数 β 的最大变化",
    "card.bias.together_never": "两次运行的损失之差从未超过 1e-3",
    "card.bias.together_until": "它们的损失在第 {first} 步之前相差不超过 1e-3（之后浮点舍入误差被训练放大，把两者分开）",
    "card.bias.reading": ("去掉每个批量规范化层之前的偏置后，LeNet 有 {without:,} 个参数，而不是 {with_bias:,} 个"
                          "（少 {fewer} 个：每个批量规范化通道一个），测试精度为 {acc_without:.3f}，对比 {acc_with:.3f}；"
                          "{together}。去掉的偏置本来就不起作用：在训练模式下，批量规范化减去小批量均值，而均值中包含偏置，"
                          "所以偏置的梯度为零——整个运行中任何偏置的最大变化是 {dead:.1e}，而每个批量规范化层的偏移参数 β "
                          "至少移动了 {beta:.2f}。下一层看到的偏移只来自 β；偏置只是跟着进入移动平均值（有偏置的移动平均值"
                          "减去无偏置的移动平均值，等于偏置乘以从 0 开始的平均所保留的 1 - 0.9^t，误差在 {absorbed:.1e} "
                          "以内），所以预测模式会再次把它减掉。"),
    # --- 几张卡片共用的词，以及 bn-only 和 fixed-affine 卡片的图、表和解读 ----------------------------------
    "card.common.loss_panel": "训练损失（10 步平均）",
    "card.common.acc_panel": "各迭代周期的测试精度",
    "card.common.final_acc": "最终测试精度",
    "card.common.final_loss": "最终训练损失",
    "card.common.acc_by_epoch": "各迭代周期的测试精度",
    "card.common.variant": "变体",
    "card.common.layer": "层",
    "card.bn-only.all": "训练全部参数",
    "card.bn-only.only": "只训练 γ 和 β",
    "card.bn-only.col.trained": "训练的参数",
    "card.bn-only.col.trainable": "可训练参数个数",
    "card.bn-only.col.near_zero": "|γ| < {t:g} 的通道占比",
    "card.bn-only.col.layer_near_zero": "{slot}：|γ| < {t:g}",
    "card.bn-only.fig.share": "|γ| < {t:g} 的通道占比",
    "card.bn-only.fig.title": "只训练批量规范化的拉伸参数 γ 和偏移参数 β",
    "card.bn-only.reading": ("只训练 γ 和 β——{total:,} 个参数中的 {trainable:,} 个（{share:.1%}），所有卷积层和全连接层的权重"
                             "都留在随机初始值——在 {epochs} 个迭代周期内达到测试精度 {acc_only:.3f}，而训练全部参数为 "
                             "{acc_full:.3f}（随机猜测为 0.1）。它的批量规范化通道中有 {near_only:.1%} 最终 |γ| < {threshold:g}"
                             "（它们从 1 开始），最多的是 {most}（{most_share:.1%}）；训练全部参数时为 {near_full:.1%}。"
                             "把 γ 推到 0 就关掉了一个随机特征：只能学习 γ 和 β 时，剩下能做的就是在随机特征中挑选。"),
    "card.fixed-affine.learned": "学习 γ、β",
    "card.fixed-affine.fixed": "固定 γ = 1、β = 0",
    "card.fixed-affine.col.trainable": "可训练参数个数",
    "card.fixed-affine.col.gamma": "γ：均值 [最小, 最大]",
    "card.fixed-affine.col.beta": "|β| 的均值",
    "card.fixed-affine.col.beyond": "sigmoid 输入超出 |2| 的占比",
    "card.fixed-affine.col.std": "各层 sigmoid 输入的标准差",
    "card.fixed-affine.fig.bars": "测试精度；sigmoid 输入超出 |2| 的占比",
    "card.fixed-affine.fig.title": "练习 5：固定拉伸参数 γ 和偏移参数 β",
    "card.fixed-affine.worth": "值",
    "card.fixed-affine.not_worth": "不值",
    "card.fixed-affine.reading": ("学习 γ 和 β 时，LeNet 达到测试精度 {acc_learned:.3f}（训练损失 {loss_learned:.3f}）；"
                                  "固定 γ = 1、β = 0 时为 {acc_fixed:.3f}（损失 {loss_fixed:.3f}）。固定时，每个 sigmoid 的输入"
                                  "在训练中按通道规范化为均值 0、方差 1（在预测模式下、测试图像上，各层的标准差为 {std_fixed}），"
                                  "所以其中 {sat_fixed:.1%} 超出 |2|，落在 sigmoid 弯曲的地方；学习时，各层移动到 γ {gamma}"
                                  "（均值 [最小, 最大]），|β| 的均值为 {beta:.2f}，输入标准差为 {std_learned}，{sat_learned:.1%} "
                                  "超出 |2|。γ 和 β 把规范化拿走的东西还了回来——每个单元的非线性所工作的尺度和偏移——"
                                  "在这次运行中这{worth} {gain:.3f} 的测试精度。"),
    'card.lr-sweep.title': '学习率：有无批量规范化',
    'card.lr-sweep.question': '比较 LeNet 在使用和不使用批量规范化情况下的学习率。绘制训练和测试精度的提高。学习率可以有多高？',
    'card.lr-sweep.source': '本章练习 2',
    'card.lr-sweep.budget_note': '8 个学习率 ×（有 BN、无 BN）× 完整训练集上的 100 步；5,000 张测试图像',
    'card.lr-sweep.published': '批量规范化允许高得多的学习率：带批量规范化的 Inception 用 5 倍的学习率，以少 14 倍的步数（2.1M 对 31.0M）达到原模型的 72.2%；用 30 倍（BN-x30）达到 74.8%',
    'card.lr-sweep.citation': 'Ioffe & Szegedy 2015，第 4.2 节和图 3（ImageNet）',
    'card.lr-sweep.transfer': '可迁移的是方向（批量规范化能在让普通网络停滞或发散的学习率下训练），而不是数字：Inception 的 5 倍和 30 倍是相对于在 ImageNet 上调好的、长达数百万步的学习计划；这里每次运行只有 100 步，而且无论学习率多大，没有批量规范化的 sigmoid LeNet 在一个迭代周期的大部分时间里都停在随机猜测水平的平台上',
    'card.placement.title': '在哪些层使用批量规范化？',
    'card.placement.question': '我们是否需要在每个层中进行批量规范化？尝试一下？',
    'card.placement.source': '本章练习 3',
    'card.placement.budget_note': '8 种放置方式 × 前 6,400 张训练图像的 6 个迭代周期（1,200 步）；2,000 张测试图像',
    'card.placement.published': '在每一层之后使用批量规范化是论文的做法；其好处来自最前面几层的输入保持在 sigmoid 的非饱和区间',
    'card.placement.citation': 'Ioffe & Szegedy 2015，第 3.2–3.3 节和图 1（MNIST，每个隐藏层都用批量规范化）；本章自身（第 8.5 节）在每个卷积层和隐藏全连接层之后使用它',
    'card.placement.transfer': '论文给出的是做法，而不是逐层的消融实验，所以这张卡片比较的是放置方式而不是数字；可迁移的是：批量规范化所防止的 sigmoid 饱和在每一层都重要，而且批量规范化层会带来移动统计量在训练和预测之间的差距',
    'card.dropout.title': '批量规范化与暂退法',
    'card.dropout.question': '可以通过批量规范化来替换暂退法吗？行为会如何改变？',
    'card.dropout.source': '本章练习 4',
    'card.dropout.budget_note': '4 种变体 × 前 15,360 张训练图像的 5 个迭代周期（1,200 步）；5,000 张测试图像',
    'card.dropout.published': '批量规范化有正则化作用：在使用批量规范化的 Inception 中，去掉暂退法不会损害验证精度（而且去掉后训练更快）',
    'card.dropout.citation': 'Ioffe & Szegedy 2015，第 3.4 节和第 4.2.1 节（“去掉暂退法”），ImageNet',
    'card.dropout.transfer': '部分可迁移：训练数天的 Inception 会过拟合，所以在那里去掉暂退法显示出批量规范化的正则化一面；训练几个迭代周期的 LeNet 几乎不过拟合（见上面它的训练—测试差距），所以这里暂退法主要是拖慢速度，正则化的问题仍无定论',
    'card.fixed-affine.title': '固定 γ = 1、β = 0',
    'card.fixed-affine.question': '确定参数的固定 beta 和 gamma（gamma = 1，beta = 0），并观察和分析结果。',
    'card.fixed-affine.source': '本章练习 5',
    'card.fixed-affine.budget_note': '2 个 LeNet × 完整训练集的 2 个迭代周期（940 步）',
    'card.fixed-affine.published': '拉伸参数 γ 和偏移参数 β 恢复了该层的表示能力：取 γ = sqrt(Var[x])、β = E[x] 就能还原原来的激活；没有它们，规范化“sigmoid 的输入会把它限制在非线性函数的线性区域”',
    'card.fixed-affine.citation': 'Ioffe & Szegedy 2015，第 3 节（引入 γ 和 β 的那一段）',
    'card.fixed-affine.transfer': '这个论证是普遍的（规范化后的 sigmoid 输入落在其近似线性的区间）；γ 和 β 值多少精度取决于网络：这么浅的 LeNet 在训练初期近似线性，损失很小',
    'card.momentum.title': '移动统计量的 momentum',
    'card.momentum.question': '预测模式应使用哪种移动平均：momentum 0.9（本章）、0.99（Keras 的默认值），还是累积平均（PyTorch 的 momentum=None）？每一种与用最终权重重新计算的统计量相差多远？',
    'card.momentum.source': '本章的移动平均；PyTorch 和 Keras 的默认值',
    'card.momentum.budget_note': '1 个 LeNet × 完整训练集的 2 个迭代周期（470 步）；在 5,000 张测试图像上对 4 种统计量各检查 10 次',
    'card.momentum.published': '指数移动平均的统计量滞后于权重，其验证精度比用固定权重重新计算的精确统计量更低、更不稳定，在训练初期和学习率大时最明显；随着训练收敛，差距会缩小',
    'card.momentum.citation': 'Wu & Johnson 2021，《Rethinking "Batch" in BatchNorm》，第 3 节（EMA 与 PreciseBN，ImageNet 上的 ResNet-50）',
    'card.momentum.transfer': '机制可以迁移（移动平均滞后于不断变化的权重；精确统计量是为正在使用的权重算出的）；大小不能：长训练计划末尾的 ImageNet ResNet 变化缓慢，而这个学习率为 1、训练了两个迭代周期的 LeNet 变化很快，所以它的差距更大',
    'card.small-batch.title': '小的规范化批量',
    'card.small-batch.question': '当批量规范化只在少数几张图像上做规范化时，它会如何退化？不跨样本计算的 GroupNorm 和 LayerNorm 能否避免？',
    'card.small-batch.source': 'Wu & He 2018，《Group Normalization》',
    'card.small-batch.budget_note': '6 种幽灵批量大小 + GN + LN × 完整训练集上的 150 步（1,200 步）；GN（全连接层之后用 LayerNorm）和 LN 的学习率为 0.3',
    'card.small-batch.published': 'ImageNet 上的 ResNet-50：批量规范化的错误率在每个 GPU 32 张图像时为 23.6%，2 张时为 34.7%；GN 始终约为 24.1%',
    'card.small-batch.citation': 'Wu & He 2018，图 1 和表 2',
    'card.small-batch.transfer': '趋势可以迁移（规范化批量变小时批量规范化会退化，GN 和 LN 不受影响），大小不能：LeNet 在 Fashion-MNIST 上训练 150 步并不是 ResNet-50 在 ImageNet 上训练 90 个迭代周期；这里 GN 和 LN 使用它们自己的学习率，仍落后于批量规范化，而在 ResNet-50 上，GN 在 32 时几乎追平批量规范化',
    'card.smoothness.title': '批量规范化让损失曲面更平滑',
    'card.smoothness.question': '批量规范化有效是因为它消除了内部协变量偏移，还是因为它让损失曲面更平滑？沿梯度方向测量，并用注入噪声的批量规范化训练。',
    'card.smoothness.source': 'Santurkar et al. 2018，《How Does Batch Normalization Help Optimization?》',
    'card.smoothness.budget_note': '有 BN、无 BN、带噪声 BN × 完整训练集上的 150 步；有 BN 和无 BN 各 15 次探测 × 5 次前向传播',
    'card.smoothness.published': '有批量规范化时，损失沿梯度方向变化更小，梯度更具预测性，有效 β 平滑度更低；注入非平稳噪声的批量规范化（“带噪声 BN”）协变量偏移更大，却和批量规范化一样能训练（CIFAR-10 上的 VGG）',
    'card.smoothness.citation': 'Santurkar et al. 2018，图 4（损失曲面）和图 2（带噪声 BN）',
    'card.smoothness.transfer': '带噪声 BN 的结论可以干净地迁移（有意注入的分布偏移并不妨碍批量规范化训练）；损失曲面的比较只能部分迁移：Santurkar et al. 比较的是两个都能训练的 VGG，而在最初几步，没有批量规范化的 sigmoid LeNet 停在平坦的平台上，那里的曲面平滑只是因为什么都没有发生',
    'card.bn-only.title': '只训练 γ 和 β',
    'card.bn-only.question': '如果只训练批量规范化的 γ 和 β，其他所有权重都保持随机初始值，网络能走多远？',
    'card.bn-only.source': 'Frankle, Schwab & Morcos 2020，《Training BatchNorm and Only BatchNorm》',
    'card.bn-only.budget_note': '2 个 LeNet × 完整训练集的 2 个迭代周期（940 步）',
    'card.bn-only.published': '只训练 γ 和 β，在 CIFAR-10 上用非常深的 ResNet（866 层）达到 82%，在 ImageNet 上 top-5 达到 32%；许多 γ 趋于 0，关闭了相应的特征',
    'card.bn-only.citation': 'Frankle et al. 2020，图 2 / 表 2（CIFAR-10、ImageNet）和第 5 节（γ 的取值）',
    'card.bn-only.transfer': '惊人之处可以迁移（随机特征加上学到的 γ 和 β 远胜随机猜测）；大小不能：Frankle et al. 需要非常深、非常宽、有数千个批量规范化通道的 ResNet 才达到 82%，而这个 LeNet 只有 226 个批量规范化通道，输出层也冻结在随机值',
    "card.lr-sweep.col.model": "模型",
    "card.lr-sweep.col.lr": "学习率",
    "card.lr-sweep.col.acc": "测试精度",
    "card.lr-sweep.col.last_loss": "最后的损失（10 步平均）",
    "card.lr-sweep.col.largest": "最大损失",
    "card.lr-sweep.col.nonfinite": "损失首次非有限值的步",
    "card.lr-sweep.col.blown": "损失首次 > {blowup} 的步",
    "card.lr-sweep.bn": "有批量规范化",
    "card.lr-sweep.no_bn": "无批量规范化",
    "card.lr-sweep.run": "有批量规范化，学习率 {lr}",
    "card.lr-sweep.run_no_bn": "无批量规范化，学习率 {lr}",
    "card.lr-sweep.panel.acc": "测试精度与学习率",
    "card.lr-sweep.panel.bn_loss": "有批量规范化：损失",
    "card.lr-sweep.panel.no_bn_loss": "无批量规范化：损失",
    "card.lr-sweep.fig.title": "练习 2：各学习率下的最终测试精度",
    "card.lr-sweep.fig.lr": "学习率",
    "card.lr-sweep.fig.loss_title": "每步的损失（10 步平均）",
    "card.lr-sweep.none": "无",
    "card.lr-sweep.ratio": "——有批量规范化时这个范围宽 {span_bn:g} 倍，没有时只有 {span_plain:g} 倍",
    "card.lr-sweep.reading": ("在 {steps} 步内，有批量规范化的 LeNet 在学习率 {bn_good} 下达到 0.5 或更高的测试精度；"
                              "没有批量规范化时在学习率 {plain_good} 下{ratio}。有批量规范化的最好运行（学习率 "
                              "{bn_best_lr:g}）达到 {bn_best:.3f}，没有批量规范化的最好运行（学习率 {plain_best_lr:g}）"
                              "达到 {plain_best:.3f}（随机猜测为 0.1）。有批量规范化时，损失在学习率 {bn_blown} 下一度"
                              "超过随机猜测时的十倍（到结束时又回到随机猜测以下的：{bn_recovered}），没有批量规范化时在 "
                              "{plain_blown} 下（回到随机猜测以下的：{plain_recovered}）。sigmoid 让每个激活值都有界，"
                              "所以这里的损失会变得很大，却很少变成 NaN；而批量规范化让每一层的输出与其权重的尺度无关，"
                              "所以很大的一步会让权重变大、从而缩小自己的有效步长，而不会把网络甩出轨道——这就是批量"
                              "规范化能容忍更大学习率的原因。"),
    "card.placement.col.where": "批量规范化的位置",
    "card.placement.col.layers": "批量规范化层数",
    "card.placement.col.best": "最好测试精度",
    "card.placement.col.mean_half": "平均测试精度（第 2 半程）",
    "card.placement.col.fluctuation": "波动（每个迭代周期的平均 |变化|）",
    "card.placement.col.drop": "最大下降",
    "card.placement.none": "都不用",
    "card.placement.all": "所有层",
    "card.placement.conv": "仅卷积层",
    "card.placement.linear": "仅全连接层",
    "card.placement.single": "仅 {slot}",
    "card.placement.fig.epoch": "迭代周期",
    "card.placement.fig.bars": "平均测试精度（第 2 半程）和波动",
    "card.placement.fig.title": "练习 3：在哪些层使用批量规范化？",
    "card.placement.reading.best": ("在 {epochs} 个迭代周期（每个 {images:,} 张图像）里，按后半程平均测试精度，最好的位置是"
                                    "“{best}”（{best_mean:.3f}），最差的是“{worst}”（{worst_mean:.3f}）。"),
    "card.placement.reading.chance": "（仍接近随机猜测：学习率为 1 时，没有批量规范化的 sigmoid LeNet 起步很慢）",
    "card.placement.reading.all_none": "所有层都用批量规范化得到 {all:.3f}，完全不用批量规范化得到 {none:.3f}{chance}。",
    "card.placement.reading.single": "在只用于单个层的位置中，放在 {layer} 之后的批量规范化帮助最大（{mean:.3f}）。",
    "card.placement.reading.no_fall": "本次运行中，没有哪个位置的测试精度在相邻两个迭代周期之间下降过。",
    "card.placement.reading.fall": ("相邻迭代周期之间测试精度下降最多的是“{jumpy}”（{drop:.3f}）；在 {placements} 个位置中，"
                                    "有 {fell} 个的测试精度至少一次下降超过 0.01。"),
    "card.placement.reading.lag": ("这样的下降伴随批量规范化而来：预测模式使用的移动平均统计量跟不上不断变化的权重"
                                   "（本章自己的运行结果也会跳动）。"),
    "card.dropout.col.bn": "批量规范化",
    "card.dropout.col.dropout": "暂退法",
    "card.dropout.col.train_acc": "训练精度（预测模式）",
    "card.dropout.col.gap": "差距（训练 − 测试）",
    "card.dropout.both": "批量规范化 + 暂退法",
    "card.dropout.neither": "都不用",
    "card.dropout.fig.epoch": "迭代周期",
    "card.dropout.fig.bars": "最终测试精度和泛化差距",
    "card.dropout.fig.title": "练习 4：批量规范化与暂退法",
    "card.dropout.reading.after": ("{epochs} 个迭代周期（每个 {images:,} 张图像）之后：只用批量规范化的测试精度达到 {bn:.3f}，"
                                   "只用暂退法 {do:.3f}，两者都用 {both:.3f}，都不用 {neither:.3f}。"),
    "card.dropout.reading.optimisation": ("暂退法不能取代批量规范化对优化的作用：没有批量规范化时，这个学习率为 1 的 sigmoid "
                                          "LeNet 还没有离开随机猜测的水平；有批量规范化时，它从第一个迭代周期就开始学习。"),
    "card.dropout.reading.gap": ("作为正则化方法：训练精度（在预测模式下）与测试精度之差，只用批量规范化时为 {bn_gap:+.3f}，"
                                 "批量规范化加暂退法时为 {both_gap:+.3f}"),
    "card.dropout.reading.narrowed": "——暂退法缩小了这个差距，代价是在这个预算内测试精度差了 {behind:+.3f}。",
    "card.dropout.reading.wider": ("——加上暂退法反而更大：它在还没有什么可正则化的时候就拖慢了训练（测试精度比只用批量规范化"
                                   "落后 {behind:+.3f}）；批量规范化自身的小批量噪声已经有一点正则化作用。"),
    "card.dropout.reading.same": ("——没有明显差别（在 0.01 以内）；暂退法主要是拖慢了训练（测试精度比只用批量规范化落后 "
                                  "{behind:+.3f}）。"),
    "card.momentum.rule.chapter": "0.9（本章）",
    "card.momentum.rule.keras": "0.99（Keras 的默认值）",
    "card.momentum.rule.cumulative": "累积平均（PyTorch 的 momentum=None）",
    "card.momentum.rule.precise": "精确（重新计算）",
    "card.momentum.col.statistics": "统计量",
    "card.momentum.col.mean": "平均测试精度",
    "card.momentum.col.worst": "最差测试精度（第一次检查之后）",
    "card.momentum.col.fluctuation": "波动（每次检查的平均 |变化|）",
    "card.momentum.col.gap": "与精确统计量的平均差距",
    "card.momentum.col.by_check": "各次检查的测试精度",
    "card.momentum.fig.line": "每次检查时的测试精度",
    "card.momentum.fig.bars": "均值和波动",
    "card.momentum.fig.title": "移动平均统计量：动量 0.9、0.99、累积平均、精确",
    "card.momentum.reading.over": ("在 {checks} 次检查中（第 {first} 步到第 {last} 步），同一组训练好的权重的平均测试精度："
                                   "用本章的动量 0.9 时为 {chapter:.3f}，用 0.99 时为 {keras:.3f}，用累积平均时为 "
                                   "{cumulative:.3f}；而用在 {images:,} 张训练图像上重新计算的统计量时为 {precise:.3f}。"),
    "card.momentum.reading.best": ("在各种移动平均规则中，{best}最好；精确统计量平均领先它 {gap:+.3f}，每次检查的波动为 "
                                   "{precise_fluctuation:.3f}，而它为 {best_fluctuation:.3f}。"),
    "card.momentum.reading.lagged_most": "它在这里落后得最多",
    "card.momentum.reading.fell_behind": "它落在了本章的 0.9 之后",
    "card.momentum.reading.cumulative": ("累积平均对最初几个小批量（用早已改变的权重算出）和最后几个小批量一视同仁："
                                         "{worst}。"),
    "card.momentum.reading.keras": ("0.99 大约对 100 步取平均，而不是 10 步，所以在权重仍快速变化时它落后得更多；而且一个"
                                    "从均值 0、方差 1 开始的平均，到第 {t} 步时仍保留着 {held:.1%} 的初值（0.9："
                                    "{chapter_held:.1e}）。"),
    "card.small-batch.col.norm": "规范化",
    "card.small-batch.col.batch": "规范化批量",
    "card.small-batch.col.lr": "学习率",
    "card.small-batch.col.error": "测试错误率 %",
    "card.small-batch.col.acc": "测试精度",
    "card.small-batch.col.loss": "训练损失（最后 20 步）",
    "card.small-batch.independent": "与批量无关",
    "card.small-batch.bn": "批量规范化",
    "card.small-batch.fig.bn_run": "批量规范化（本次运行）",
    "card.small-batch.fig.run": "{norm}（本次运行）",
    "card.small-batch.fig.bn_published": "批量规范化，Wu & He（ResNet-50，ImageNet）",
    "card.small-batch.fig.gn_published": "GN，Wu & He",
    "card.small-batch.fig.x": "每个规范化批量的图像数",
    "card.small-batch.fig.title": "测试错误率与规范化批量大小（梯度的小批量始终为 {batch}）",
    "card.small-batch.reading.main": ("梯度的小批量固定为 {batch}、每次运行 {steps} 步时，批量规范化在 {large} 张图像上规范化"
                                      "得到 {large_error:.1f}% 的测试错误率，在 {small} 张图像上得到 {small_error:.1f}%"
                                      "（{change:+.1f} 个百分点）；GroupNorm 得到 {gn:.1f}%，LayerNorm 得到 {ln:.1f}%"
                                      "（用它们自己的学习率），而且在每种批量大小下都一样，因为两者都不跨样本计算。"),
    "card.small-batch.reading.published": ("Wu & He 的 ResNet-50 从 {big} 张时的 {pub_big:.1f}% 升到 {tiny} 张时的 "
                                           "{pub_tiny:.1f}%（{pub_change:+.1f}）；这个 LeNet 从 {big_error:.1f}% 变为 "
                                           "{tiny_error:.1f}%（{change:+.1f}）。"),
    "card.small-batch.reading.mechanism": ("可以迁移的是机制：图像很少时，小批量统计量是有噪声的估计，预测模式下的移动平均"
                                           "也不再与训练时规范化所用的统计量相符。不能迁移的是效应的大小，它取决于网络、"
                                           "数据以及训练多久。"),
    "card.smoothness.col.model": "模型",
    "card.smoothness.col.acc": "测试精度",
    "card.smoothness.col.loss": "训练损失（最后 20 步）",
    "card.smoothness.col.shift": "每步 sigmoid 输入的偏移",
    "card.smoothness.col.median_loss": "损失变化的中位数",
    "card.smoothness.col.median_gradient": "梯度变化的中位数",
    "card.smoothness.col.median_beta": "β 平滑度的中位数",
    "card.smoothness.col.median_norm": "梯度范数的中位数",
    "card.smoothness.bn": "批量规范化",
    "card.smoothness.no_bn": "无批量规范化",
    "card.smoothness.noisy": "带噪声的批量规范化",
    "card.smoothness.loss_variation": "损失变化",
    "card.smoothness.gradient_change": "梯度变化",
    "card.smoothness.beta_smoothness": "β 平滑度",
    "card.smoothness.training_loss": "训练损失",
    "card.smoothness.fig.title": "沿梯度方向：有无批量规范化（Santurkar et al. 2018）",
    "card.smoothness.reading.probes": ("在前 {steps} 步的 {probes} 次探测中，沿梯度方向移动使损失变化的中位数在有批量规范化时为 "
                                       "{bn_loss:.3g}，没有时为 {plain_loss:.3g}（{loss_ratio:.2g} 倍）；梯度本身的变化为 "
                                       "{bn_gradient:.3g} 对 {plain_gradient:.3g}（{gradient_ratio:.2g} 倍），有效 β 平滑度为 "
                                       "{bn_beta:.3g} 对 {plain_beta:.3g}（{beta_ratio:.2g} 倍）。"),
    "card.smoothness.reading.smoother": "在这里的 {measures} 项度量中，批量规范化的损失曲面在 {smoother} 项上更平滑{which}。",
    "card.smoothness.reading.which": "（{names}）",
    "card.smoothness.reading.plateau": ("但没有批量规范化的网络还没有离开起始的平台（损失 {loss:.2f}，随机猜测为 {chance:.2f}；"
                                        "梯度范数的中位数为 {plain_norm:.3g}，有批量规范化时为 {bn_norm:.3g}）：平坦的平台是"
                                        "错误意义上的平滑，而 Santurkar et al. 比较的是两个都能训练的网络。"),
    "card.smoothness.reading.noisy": ("带噪声的批量规范化让最后一个 sigmoid 的输入平均每步偏移 {noisy_shift:.3f}，而普通的"
                                      "批量规范化为 {bn_shift:.3f}——“内部协变量偏移”多得多——它却达到了 {noisy_loss:.3f} "
                                      "的训练损失和 {noisy_acc:.3f} 的测试精度；有批量规范化时为 {bn_loss:.3f} 和 "
                                      "{bn_acc:.3f}，没有批量规范化时为 {plain_loss:.3f} 和 {plain_acc:.3f}。"),
}
