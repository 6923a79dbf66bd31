"""Tiny LoRA files for the tiny pipelines (tiny_models.py): PEFT LoRA layers with random (non-zero) B
matrices on the UNet's attention and the text encoders, saved with the pipeline class's
``save_lora_weights`` as a trainer would."""

from __future__ import annotations

from pathlib import Path

TARGETS = ["to_q", "to_k", "to_v", "to_out.0"]
TEXT_TARGETS = ["q_proj", "k_proj", "v_proj", "out_proj"]


def _lora_layers(model, targets: list[str], seed: int, rank: int):
    import torch
    from peft import LoraConfig, get_peft_model_state_dict

    model.add_adapter(LoraConfig(r=rank, lora_alpha=rank, target_modules=targets), "default")
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:  # PEFT starts B at zero: a no-op adapter; make it do something
                param.copy_(torch.randn(param.shape, generator=gen) * 0.5)
    return get_peft_model_state_dict(model)


def build_lora(
    model_dir: Path, dest: Path, *, seed: int = 1, rank: int = 4, text_encoders: bool = True
) -> Path:
    """A LoRA for the tiny pipeline at ``model_dir`` (SD1 or SDXL), saved to ``dest`` (a file):
    UNet layers, and the text encoders' too when ``text_encoders``."""
    from diffusers import DiffusionPipeline

    pipe = DiffusionPipeline.from_pretrained(str(model_dir))
    layers = {"unet_lora_layers": _lora_layers(pipe.unet, TARGETS, seed, rank)}
    layers["text_encoder_lora_layers"] = _lora_layers(
        pipe.text_encoder, TEXT_TARGETS, seed + 1, rank
    )
    if getattr(pipe, "text_encoder_2", None) is not None:
        layers["text_encoder_2_lora_layers"] = _lora_layers(
            pipe.text_encoder_2, TEXT_TARGETS, seed + 2, rank
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    type(pipe).save_lora_weights(
        save_directory=str(dest.parent), weight_name=dest.name, safe_serialization=True, **layers
    )
    return dest
