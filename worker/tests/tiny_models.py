"""Tiny random-weight diffusers pipelines, built offline as diffusers' get_dummy_components() does.

The tokenizers are built in memory (byte-level vocabulary, no merges) instead of being downloaded.
"""

from __future__ import annotations

from pathlib import Path


def _clip_tokenizer():
    from transformers import CLIPTokenizer
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    chars = list(bytes_to_unicode().values())
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for ch in chars:
        vocab.setdefault(ch, len(vocab))
        vocab.setdefault(ch + "</w>", len(vocab))
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)


def _clip_config(**extra):
    from transformers import CLIPTextConfig

    return CLIPTextConfig(
        bos_token_id=0,
        eos_token_id=1,
        pad_token_id=1,
        hidden_size=32,
        intermediate_size=37,
        layer_norm_eps=1e-05,
        num_attention_heads=4,
        num_hidden_layers=2,
        vocab_size=600,
        **extra,
    )


def _vae(**extra):
    from diffusers import AutoencoderKL

    config = {
        "block_out_channels": [8, 16],
        "in_channels": 3,
        "out_channels": 3,
        "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"],
        "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"],
        "latent_channels": 4,
        "norm_num_groups": 8,
        "layers_per_block": 1,
    }
    return AutoencoderKL(**{**config, **extra})


def _safety_checker(flag_everything: bool):
    """A tiny StableDiffusionSafetyChecker and its image processor. The checker flags an image when
    a concept's cosine similarity exceeds the concept's weight; cosines lie in [-1, 1], so weights of
    -2 flag every image and weights of 2 none."""
    import torch
    from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker
    from transformers import CLIPConfig, CLIPImageProcessor

    config = CLIPConfig(
        text_config={
            "hidden_size": 32,
            "intermediate_size": 37,
            "num_attention_heads": 4,
            "num_hidden_layers": 1,
            "vocab_size": 600,
        },
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 37,
            "num_attention_heads": 4,
            "num_hidden_layers": 1,
            "image_size": 32,
            "patch_size": 8,
        },
        projection_dim=16,
    )
    checker = StableDiffusionSafetyChecker(config).eval()
    weight = -2.0 if flag_everything else 2.0
    with torch.no_grad():
        checker.concept_embeds_weights.fill_(weight)
        checker.special_care_embeds_weights.fill_(weight)
    processor = CLIPImageProcessor(
        size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    )
    return checker, processor


def build_sd1(dest: Path, variant: str | None = None, safety_checker: bool | None = None) -> Path:
    """``safety_checker``: None for none (as most served repos), True/False for a tiny checker that
    flags every image / no image."""
    import torch
    from diffusers import DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextModel

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16),
        layers_per_block=1,
        sample_size=16,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        norm_num_groups=8,
        attention_head_dim=2,
    )
    checker, processor = (None, None) if safety_checker is None else _safety_checker(safety_checker)
    pipe = StableDiffusionPipeline(
        unet=unet,
        scheduler=DDIMScheduler(),
        vae=_vae(),
        text_encoder=CLIPTextModel(_clip_config()),
        tokenizer=_clip_tokenizer(),
        safety_checker=checker,
        feature_extractor=processor,
        image_encoder=None,
        requires_safety_checker=checker is not None,
    )
    pipe.save_pretrained(dest, safe_serialization=True, variant=variant)
    return dest


def build_sdxl(dest: Path) -> Path:
    import torch
    from diffusers import EulerDiscreteScheduler, StableDiffusionXLPipeline, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTextModelWithProjection

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16),
        layers_per_block=1,
        sample_size=16,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4),
        use_linear_projection=True,
        addition_embed_type="text_time",
        addition_time_embed_dim=8,
        transformer_layers_per_block=(1, 1),
        projection_class_embeddings_input_dim=80,  # 6 * 8 + 32
        cross_attention_dim=64,
        norm_num_groups=8,
    )
    config = _clip_config(projection_dim=32)
    pipe = StableDiffusionXLPipeline(
        unet=unet,
        scheduler=EulerDiscreteScheduler(),
        vae=_vae(),
        text_encoder=CLIPTextModel(config),
        tokenizer=_clip_tokenizer(),
        text_encoder_2=CLIPTextModelWithProjection(config),
        tokenizer_2=_clip_tokenizer(),
        image_encoder=None,
        feature_extractor=None,
    )
    pipe.save_pretrained(dest, safe_serialization=True)
    return dest


def _t5():
    from transformers import T5Config, T5EncoderModel, T5Tokenizer

    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    pieces += [(c, -3.0) for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
    pieces += [("▁" + c, -2.5) for c in "abcdefghijklmnopqrstuvwxyz"]
    tokenizer = T5Tokenizer(vocab=pieces, extra_ids=0, model_max_length=512)
    config = T5Config(
        vocab_size=len(pieces),
        d_model=32,
        d_ff=37,
        d_kv=8,
        num_heads=4,
        num_layers=2,
        relative_attention_num_buckets=8,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
    )
    return T5EncoderModel(config), tokenizer


def build_sd3(dest: Path) -> Path:
    import torch
    from diffusers import (
        FlowMatchEulerDiscreteScheduler,
        SD3Transformer2DModel,
        StableDiffusion3Pipeline,
    )
    from transformers import CLIPTextModelWithProjection

    torch.manual_seed(0)
    transformer = SD3Transformer2DModel(
        sample_size=32,
        patch_size=1,
        in_channels=4,
        num_layers=1,
        attention_head_dim=8,
        num_attention_heads=4,
        caption_projection_dim=32,
        joint_attention_dim=32,
        pooled_projection_dim=64,
        out_channels=4,
    )
    config = _clip_config(projection_dim=32)
    t5, t5_tokenizer = _t5()
    pipe = StableDiffusion3Pipeline(
        transformer=transformer,
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=_vae(
            use_quant_conv=False,
            use_post_quant_conv=False,
            shift_factor=0.0609,
            scaling_factor=1.5035,
        ),
        text_encoder=CLIPTextModelWithProjection(config),
        tokenizer=_clip_tokenizer(),
        text_encoder_2=CLIPTextModelWithProjection(config),
        tokenizer_2=_clip_tokenizer(),
        text_encoder_3=t5,
        tokenizer_3=t5_tokenizer,
    )
    pipe.save_pretrained(dest, safe_serialization=True)
    return dest


def build_flux(dest: Path) -> Path:
    import torch
    from diffusers import FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel
    from transformers import CLIPTextModel

    torch.manual_seed(0)
    transformer = FluxTransformer2DModel(
        patch_size=1,
        in_channels=4,
        num_layers=1,
        num_single_layers=1,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=32,
        pooled_projection_dim=32,
        axes_dims_rope=[4, 4, 8],
    )
    t5, t5_tokenizer = _t5()
    pipe = FluxPipeline(
        transformer=transformer,
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=_vae(
            latent_channels=1,
            use_quant_conv=False,
            use_post_quant_conv=False,
            shift_factor=0.0609,
            scaling_factor=1.5035,
        ),
        text_encoder=CLIPTextModel(_clip_config(projection_dim=32)),
        tokenizer=_clip_tokenizer(),
        text_encoder_2=t5,
        tokenizer_2=t5_tokenizer,
        image_encoder=None,
        feature_extractor=None,
    )
    pipe.save_pretrained(dest, safe_serialization=True)
    return dest


def build_pixart(dest: Path) -> Path:
    import torch
    from diffusers import DDIMScheduler, PixArtSigmaPipeline, PixArtTransformer2DModel

    torch.manual_seed(0)
    transformer = PixArtTransformer2DModel(
        sample_size=8,
        num_layers=2,
        patch_size=2,
        attention_head_dim=8,
        num_attention_heads=3,
        caption_channels=32,
        in_channels=4,
        cross_attention_dim=24,
        out_channels=8,
        attention_bias=True,
        activation_fn="gelu-approximate",
        num_embeds_ada_norm=1000,
        norm_type="ada_norm_single",
        norm_elementwise_affine=False,
        norm_eps=1e-6,
    )
    t5, t5_tokenizer = _t5()
    pipe = PixArtSigmaPipeline(
        transformer=transformer,
        scheduler=DDIMScheduler(),
        vae=_vae(),
        text_encoder=t5,
        tokenizer=t5_tokenizer,
    )
    pipe.save_pretrained(dest, safe_serialization=True)
    return dest


from tiny_video_models import build_cogvideox, build_wan  # noqa: E402 (it imports _t5 from here)

# One tiny pipeline per class the control plane accepts (shared/test-vectors/supported-pipelines.json;
# test_e2e_cpu fails for an accepted class missing here), with the family the worker reads from it.
PIPELINES = {
    "StableDiffusionPipeline": ("sd1", build_sd1),
    "StableDiffusionXLPipeline": ("sdxl", build_sdxl),
    "StableDiffusion3Pipeline": ("sd3", build_sd3),
    "FluxPipeline": ("flux", build_flux),
    "PixArtSigmaPipeline": ("pixart", build_pixart),
    "WanPipeline": ("wan", build_wan),
    "CogVideoXPipeline": ("cogvideox", build_cogvideox),
}
BUILDERS = {family: build for family, build in PIPELINES.values()}
