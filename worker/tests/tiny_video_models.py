"""Tiny random-weight text-to-video pipelines (Wan, CogVideoX), built offline with the configs of
diffusers' own tests (get_dummy_components), the T5 text encoder and tokenizer of tiny_models."""

from __future__ import annotations

from pathlib import Path


def build_wan(dest: Path) -> Path:
    """4x temporal compression (frames 4k+1), 8x spatial, 2x2 patches: sides multiples of 16."""
    import torch
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanPipeline,
        WanTransformer3DModel,
    )
    from transformers import UMT5Config, UMT5EncoderModel

    from tiny_models import _t5

    torch.manual_seed(0)
    vae = AutoencoderKLWan(
        base_dim=3,
        z_dim=16,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=1,
        temperal_downsample=[False, True, True],
    )
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=16,
        out_channels=16,
        text_dim=32,
        freq_dim=256,
        ffn_dim=32,
        num_layers=2,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
    )
    t5, tokenizer = _t5()
    # Wan's text encoder is UMT5 (T5 with per-layer relative attention): the same weights' shapes.
    umt5 = UMT5EncoderModel(UMT5Config(**t5.config.to_dict()))
    pipe = WanPipeline(
        tokenizer=tokenizer,
        text_encoder=umt5,
        vae=vae,
        transformer=transformer,
        scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
    )
    pipe.save_pretrained(dest, safe_serialization=True)
    return dest


def build_cogvideox(dest: Path) -> Path:
    """4x temporal compression (the family's rule is 8k+1), 8x spatial, 2x2 patches."""
    import torch
    from diffusers import (
        AutoencoderKLCogVideoX,
        CogVideoXDDIMScheduler,
        CogVideoXPipeline,
        CogVideoXTransformer3DModel,
    )

    from tiny_models import _t5

    torch.manual_seed(0)
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=4,
        attention_head_dim=8,
        in_channels=4,
        out_channels=4,
        time_embed_dim=2,
        text_embed_dim=32,
        num_layers=1,
        sample_width=8,
        sample_height=8,
        sample_frames=9,
        patch_size=2,
        temporal_compression_ratio=4,
        max_text_seq_length=226,
    )
    vae = AutoencoderKLCogVideoX(
        in_channels=3,
        out_channels=3,
        down_block_types=("CogVideoXDownBlock3D",) * 4,
        up_block_types=("CogVideoXUpBlock3D",) * 4,
        block_out_channels=(8, 8, 8, 8),
        latent_channels=4,
        layers_per_block=1,
        norm_num_groups=2,
        temporal_compression_ratio=4,
    )
    t5, tokenizer = _t5()
    pipe = CogVideoXPipeline(
        tokenizer=tokenizer,
        text_encoder=t5,
        vae=vae,
        transformer=transformer,
        scheduler=CogVideoXDDIMScheduler(),
    )
    pipe.save_pretrained(dest, safe_serialization=True)
    return dest
