"""PyTorch peer for `npm run bench`: the book's chapter-3 autoencoder and VAE
(same layers and parameter counts as bench/models.ts), timed the same way.

Run with the project venv's Python (PyTorch 2, bench/requirements.txt) or Debian's
/usr/bin/python3 (python3-torch 1.13). Prints one JSON line prefixed with BENCH_RESULT, e.g.
  .venv/bin/python bench/torch_peer.py --batch 100 --infer-batch 1000 --repeats 5
"""
import os
import statistics
import sys
import time

from peer_common import peer_args, report


def _threads_arg():
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return str(os.cpu_count() or 1)


# BLAS/OpenMP pools size themselves at import; pin them to --threads first.
# (torch.set_num_threads does not reach the BLAS pool.)
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = _threads_arg()

import torch  # noqa: E402
from torch import nn
import torch.nn.functional as F

PARAMS = {"aeEncoder": 96_770, "decoder": 246_273, "vaeEncoder": 100_868}


def conv_trunk():
    # Keras 'same' with stride 2 on even sizes == PyTorch padding=1 here (same shapes and params).
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(64, 128, 3, stride=2, padding=1), nn.ReLU(),
        nn.Flatten(),
    )


class Encoder(nn.Module):
    def __init__(self, latent=2):
        super().__init__()
        self.trunk = conv_trunk()
        self.z = nn.Linear(2048, latent)

    def forward(self, x):
        return self.z(self.trunk(x))


class VaeEncoder(nn.Module):
    def __init__(self, latent=2):
        super().__init__()
        self.trunk = conv_trunk()
        self.mean = nn.Linear(2048, latent)
        self.log_var = nn.Linear(2048, latent)

    def forward(self, x):
        h = self.trunk(x)
        return self.mean(h), self.log_var(h)


class Decoder(nn.Module):
    def __init__(self, latent=2):
        super().__init__()
        self.fc = nn.Linear(latent, 4 * 4 * 128)
        self.net = nn.Sequential(
            nn.ConvTranspose2d(128, 128, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(128, 64, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.Conv2d(32, 1, 3, padding=1), nn.Sigmoid(),
        )

    def forward(self, z):
        return self.net(self.fc(z).view(-1, 128, 4, 4))


def blas_library():
    """Which libblas the process loaded: Debian's torch calls it for ConvTranspose2d and
    conv backward, and the reference netlib libblas3 makes those several times slower."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
        return sorted(os.path.basename(os.path.dirname(p)) + "/" + os.path.basename(p) for p in libs)
    except OSError:
        return []


def count(m):
    return sum(p.numel() for p in m.parameters())


def ae_loss(enc, dec, x):
    return F.binary_cross_entropy(dec(enc(x)), x)


def vae_loss(enc, dec, x):
    mean, log_var = enc(x)
    z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
    recon = dec(z)
    bce = F.binary_cross_entropy(recon, x, reduction="none").mean(dim=(1, 2, 3))
    kl = -0.5 * torch.sum(1 + log_var - mean.pow(2) - log_var.exp(), dim=1)
    return (500 * bce + kl).mean()


def median_rate(fn, images, repeats, warmup):
    for _ in range(warmup):
        fn()
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        rates.append(images / (time.perf_counter() - t0))
    return statistics.median(rates), rates


def bench(kind, args):
    torch.manual_seed(0)
    enc = Encoder() if kind == "ae" else VaeEncoder()
    dec = Decoder()
    params = {"encoder": count(enc), "decoder": count(dec)}
    want_enc = PARAMS["aeEncoder"] if kind == "ae" else PARAMS["vaeEncoder"]
    assert params == {"encoder": want_enc, "decoder": PARAMS["decoder"]}, f"{kind} param counts {params}"
    loss_fn = ae_loss if kind == "ae" else vae_loss
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=5e-4)
    x = torch.rand(args.batch, 1, 32, 32)

    def train():
        for _ in range(args.steps):
            opt.zero_grad()
            loss = loss_fn(enc, dec, x)
            loss.backward()
            opt.step()
        loss.item()

    xi = torch.rand(args.infer_batch, 1, 32, 32)

    def infer():
        with torch.no_grad():
            z = enc(xi) if kind == "ae" else enc(xi)[0]
            dec(z).sum().item()

    train_rate, train_all = median_rate(train, args.batch * args.steps, args.repeats, args.warmup)
    infer_rate, infer_all = median_rate(infer, args.infer_batch, args.repeats, args.warmup)
    return {"params": params, "train": train_rate, "infer": infer_rate,
            "trainAll": train_all, "inferAll": infer_all}


def main():
    args = peer_args()
    torch.set_num_threads(args.threads)
    out = {"backend": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_library()}
    for kind in args.models.split(","):
        out[kind] = bench(kind, args)
    report(out)


if __name__ == "__main__":
    main()
