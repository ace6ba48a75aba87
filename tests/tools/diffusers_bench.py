#!/usr/bin/env python3
"""The anchor for scripts/gpu-check.sh: the same denoising work as bench_sd, in
Hugging Face diffusers with PyTorch's scaled-dot-product attention.

An SD 1.5 U-Net (diffusers' UNet2DConditionModel with SD 1.5's configuration,
random weights: speed does not depend on them), classifier-free guidance as
one batched call of [uncond; cond] like diffusers' pipelines, Euler steps on
the scaled-linear schedule. The first step is warm-up; steps are timed with
CUDA events (on the CPU with the wall clock). Prints one JSON line.

    python3 tests/tools/diffusers_bench.py --size 512 --batch 1 --steps 20 --device cuda --dtype float16
    python3 tests/tools/diffusers_bench.py --tiny --device cpu --dtype float32   # checks the script
"""
import argparse
import json
import statistics
import time

import torch
from diffusers import EulerDiscreteScheduler, UNet2DConditionModel
from diffusers.models.attention_processor import AttnProcessor2_0


def sd15_unet(tiny):
    if tiny:  # a few-MB U-Net of the same kind, for --dry-run on a CPU
        return UNet2DConditionModel(block_out_channels=(32, 64), layers_per_block=1, cross_attention_dim=32,
                                    attention_head_dim=8, norm_num_groups=8,
                                    down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                                    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"))
    return UNet2DConditionModel(sample_size=64, in_channels=4, out_channels=4, layers_per_block=2,
                                block_out_channels=(320, 640, 1280, 1280), cross_attention_dim=768,
                                attention_head_dim=8)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--cfg", type=float, default=7.0)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--dtype", default="float16", choices=["float16", "bfloat16", "float32"])
    parser.add_argument("--tiny", action="store_true")
    args = parser.parse_args()

    device, dtype = torch.device(args.device), getattr(torch, args.dtype)
    torch.manual_seed(0)
    unet = sd15_unet(args.tiny).to(device=device, dtype=dtype).eval()
    unet.set_attn_processor(AttnProcessor2_0())  # PyTorch SDPA, diffusers' default on PyTorch 2
    scheduler = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear")
    scheduler.set_timesteps(args.steps + 1, device=device)
    context_width = unet.config.cross_attention_dim
    cond = torch.randn(args.batch, 77, context_width, device=device, dtype=dtype)
    uncond = torch.randn(args.batch, 77, context_width, device=device, dtype=dtype)
    context = torch.cat([uncond, cond])
    latents = torch.randn(args.batch, 4, args.size // 8, args.size // 8, device=device, dtype=dtype)
    latents = latents * scheduler.init_noise_sigma

    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats(device)
    times = []
    run_start = time.perf_counter()
    first_latency = None
    with torch.inference_mode():
        for t in scheduler.timesteps[: args.steps]:
            if cuda:
                begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                begin.record()
            else:
                begin = time.perf_counter()
            model_in = scheduler.scale_model_input(torch.cat([latents] * 2), t)
            noise = unet(model_in, t, encoder_hidden_states=context).sample
            uncond_out, cond_out = noise.chunk(2)
            noise = uncond_out + args.cfg * (cond_out - uncond_out)
            latents = scheduler.step(noise, t, latents).prev_sample
            if cuda:
                end.record()
                end.synchronize()
                times.append(begin.elapsed_time(end) / 1000.0)
            else:
                times.append(time.perf_counter() - begin)
            if first_latency is None:
                first_latency = time.perf_counter() - run_start
    steady = sorted(times[1:] if len(times) > 1 else times)
    median = steady[len(steady) // 2]
    print(json.dumps({
        "anchor": "diffusers " + __import__("diffusers").__version__ + ", torch " + torch.__version__ + ", SDPA",
        "device": torch.cuda.get_device_name(device) if cuda else "cpu",
        "dtype": args.dtype, "size": args.size, "batch": args.batch, "steps": args.steps,
        "step_s_median": round(median, 5), "steps_per_s": round(1.0 / median, 2),
        "step_s_mean": round(statistics.mean(steady), 5),
        "first_step_latency_s": round(first_latency, 4),
        "peak_gpu_gb": round(torch.cuda.max_memory_allocated(device) / 1e9, 3) if cuda else None,
        "finite": bool(torch.isfinite(latents).all()),
    }))


if __name__ == "__main__":
    main()
