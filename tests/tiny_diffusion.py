"""Tiny Stable Diffusion 1.5-shaped models with random weights, saved in the diffusers folder layout the engine loads
(as diffusers' own tests build theirs; nothing is downloaded). `sd15_shape=True` gives real-size components for
throughput measurements on a GPU."""
import json
from pathlib import Path


def _byte_chars() -> list:
    """The 256 printable stand-ins of byte-level BPE (GPT-2 / CLIP), so every byte has a token."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, extra = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + extra)
            extra += 1
    return [chr(c) for c in cs]


def make_models(folder: Path, controls=("depth", "segmentation", "edges"), sd15_shape: bool = False,
                license_text: str = "CreativeML OpenRAIL-M (test stand-in)") -> Path:
    import torch
    from diffusers import AutoencoderKL, ControlNetModel, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(0)
    folder = Path(folder)
    chars = _byte_chars()
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for suffix in ("", "</w>"):
        for c in chars:
            vocab[c + suffix] = len(vocab)
    raw = folder / "_tokenizer_source"
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "vocab.json").write_text(json.dumps(vocab))
    (raw / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = CLIPTokenizer(str(raw / "vocab.json"), str(raw / "merges.txt"), model_max_length=77)
    if sd15_shape:
        channels, layers, cross, heads, text = (320, 640, 1280, 1280), 2, 768, 8, dict(hidden_size=768, intermediate_size=3072,
                                                                                      num_attention_heads=12, num_hidden_layers=12)
        down = ("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",)
        up = ("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3
        vae_channels, groups, cond = [128, 256, 512, 512], 32, (16, 32, 96, 256)
    else:
        channels, layers, cross, heads, text = (8, 16), 1, 16, 2, dict(hidden_size=16, intermediate_size=32,
                                                                       num_attention_heads=2, num_hidden_layers=2)
        down, up = ("DownBlock2D", "CrossAttnDownBlock2D"), ("CrossAttnUpBlock2D", "UpBlock2D")
        vae_channels, groups, cond = [8, 8, 16, 16], 4, (4, 8, 8, 16)   # latents and control embedding at 1/8, as in SD
    unet = UNet2DConditionModel(block_out_channels=channels, layers_per_block=layers, sample_size=64, in_channels=4,
                                out_channels=4, down_block_types=down, up_block_types=up, cross_attention_dim=cross,
                                norm_num_groups=groups, attention_head_dim=heads)
    vae = AutoencoderKL(block_out_channels=vae_channels, in_channels=3, out_channels=3, latent_channels=4,
                        down_block_types=["DownEncoderBlock2D"] * len(vae_channels),
                        up_block_types=["UpDecoderBlock2D"] * len(vae_channels), norm_num_groups=groups)
    text_encoder = CLIPTextModel(CLIPTextConfig(bos_token_id=0, eos_token_id=1, pad_token_id=1, vocab_size=len(vocab),
                                                max_position_embeddings=77, **text))
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
                              set_alpha_to_one=False, steps_offset=1)
    if sd15_shape:        # saved in half precision, as real checkpoints ship (half the bytes to write and read)
        unet, vae, text_encoder = unet.half(), vae.half(), text_encoder.half()
    StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet, scheduler=scheduler,
                            safety_checker=None, feature_extractor=None, requires_safety_checker=False).save_pretrained(str(folder))
    for control in controls:
        net = ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=cond)
        (net.half() if sd15_shape else net).save_pretrained(str(folder / f"controlnet-{control}"))
    (folder / "LICENSE").write_text(license_text + "\n")
    return folder
