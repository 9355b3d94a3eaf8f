"""Your own DDP script, recorded in every rank: torchrun --nproc-per-node 2 examples/ddp_script.py OUT"""
import sys

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

import bnviz
from bnviz.distributed import capture_ddp, global_stats, stacked

gpu = torch.cuda.is_available()
dist.init_process_group("nccl" if gpu else "gloo")  # torchrun sets RANK, WORLD_SIZE, MASTER_ADDR, ...
rank = dist.get_rank()
device = torch.device("cuda", rank % torch.cuda.device_count()) if gpu else torch.device("cpu")
if gpu:
    torch.cuda.set_device(device)  # NCCL collectives (gather included) use the current device
data = bnviz.load_fashion_mnist()
train = TensorDataset(data.train_images, data.train_labels)
loader = DataLoader(train, batch_size=64, sampler=DistributedSampler(train, seed=0), drop_last=True)

torch.manual_seed(0)
net = bnviz.lenet("torch").to(device)
if gpu and "--sync-bn" in sys.argv:  # one set of global statistics for all replicas (GPUs only)
    net = nn.SyncBatchNorm.convert_sync_batchnorm(net)
ddp = DDP(net, device_ids=[device] if gpu else None)
opt = torch.optim.SGD(ddp.parameters(), lr=1.0)
cap = capture_ddp(net, ddp=ddp)  # hooks on this replica's BN layers
for step, (X, y) in enumerate(loader, 1):
    cap.context["step"] = step
    X, y = X.unsqueeze(1).float().div(255).to(device), y.to(device)  # uint8 (b, 28, 28) -> (b, 1, 28, 28)
    loss = nn.functional.cross_entropy(ddp(X), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    cap.log_step(loss)
    if step == 20:
        break
history = cap.gather()  # a collective: every rank calls it; rank 0 gets every rank's records
if rank == 0:
    bnviz.save_recording(history, sys.argv[1] if len(sys.argv) > 1 else "runs/ddp_script.bnviz")
    means = stacked(history, "1", "batch_mean")[:, -1, 0]  # (ranks,): each replica's, last step, channel 0
    print(f"step 20, layer 1, channel 0: replicas' batch means {', '.join(f'{m:.4f}' for m in means)}; "
          f"the global batch's {global_stats(history, '1')['batch_mean'][-1, 0]:.4f}")
dist.barrier()  # every rank leaves together, after rank 0 has written
dist.destroy_process_group()
