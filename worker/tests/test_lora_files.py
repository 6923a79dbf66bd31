"""Which family a LoRA targets, read from its safetensors header (names and shapes, as real trainers
write them), and what is no LoRA at all."""

import json
import struct

import pytest

from visgate_worker.errors import WorkerError
from visgate_worker.lora_files import check_adapter, choose_file, detect_family, read_header


def header_file(path, shapes):
    doc = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, shape in shapes.items():
        size = 2
        for d in shape:
            size *= d
        doc[name] = {"dtype": "F16", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(doc).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"\0" * offset)
    return path


ATTN2_K = "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k"
KOHYA_ATTN2_K = "lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k"


@pytest.mark.parametrize(
    ("shapes", "family"),
    [
        # diffusers/PEFT UNet LoRAs: the cross-attention's input width is the text width.
        ({f"{ATTN2_K}.lora_A.weight": [4, 768], f"{ATTN2_K}.lora_B.weight": [320, 4]}, "sd1"),
        ({f"{ATTN2_K}.lora_A.weight": [4, 1024]}, "sd2"),
        ({f"{ATTN2_K}.lora_A.weight": [4, 2048]}, "sdxl"),
        # kohya (sd-scripts) names
        ({f"{KOHYA_ATTN2_K}.lora_down.weight": [8, 768], f"{KOHYA_ATTN2_K}.alpha": []}, "sd1"),
        ({f"{KOHYA_ATTN2_K}.lora_down.weight": [8, 1024]}, "sd2"),
        (
            {
                "lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.lora_down.weight": [
                    8,
                    2048,
                ]
            },
            "sdxl",
        ),
        (
            {"lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight": [8, 1280]},
            "sdxl",
        ),
        (
            {
                "text_encoder_2.text_model.encoder.layers.0.self_attn.q_proj.lora_A.weight": [
                    4,
                    1280,
                ]
            },
            "sdxl",
        ),
        # text-encoder-only LoRAs: CLIP-L (768) is SD1, OpenCLIP-H (1024) SD2
        (
            {"lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight": [8, 768]},
            "sd1",
        ),
        (
            {"text_encoder.text_model.encoder.layers.0.self_attn.k_proj.lora_A.weight": [4, 1024]},
            "sd2",
        ),
        # transformer families
        ({"transformer.single_transformer_blocks.0.attn.to_q.lora_A.weight": [16, 3072]}, "flux"),
        ({"lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight": [16, 3072]}, "flux"),
        ({"transformer.transformer_blocks.0.attn.to_q.lora_A.weight": [16, 3072]}, "flux"),
        ({"transformer.transformer_blocks.0.attn.to_q.lora_A.weight": [16, 1536]}, "sd3"),
        ({"transformer.transformer_blocks.0.attn.to_q.lora_A.weight": [16, 2432]}, "sd3"),
        ({"lora_unet_joint_blocks_0_x_block_attn_qkv.lora_down.weight": [16, 1536]}, "sd3"),
        # shapes no real family has (the tiny test models): unknown, left to the loader
        ({f"{ATTN2_K}.lora_A.weight": [4, 32]}, None),
    ],
)
def test_detects_the_family_a_lora_targets(shapes, family):
    assert detect_family(shapes) == family


def test_reads_names_and_shapes_from_the_header_only(tmp_path):
    path = header_file(tmp_path / "a.safetensors", {f"{ATTN2_K}.lora_A.weight": [4, 2048]})
    assert read_header(path) == {f"{ATTN2_K}.lora_A.weight": [4, 2048]}


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"PK\x03\x04 a zip (a .ckpt)",
        struct.pack("<Q", 10**12) + b"{}",
        struct.pack("<Q", 4) + b"nope",
    ],
)
def test_a_file_that_is_not_safetensors_is_invalid(tmp_path, content):
    path = tmp_path / "x.safetensors"
    path.write_bytes(content)
    with pytest.raises(WorkerError) as err:
        check_adapter(path, "sd1", "LoRA x/y")
    assert err.value.code == "lora_invalid" and not err.value.retryable


@pytest.mark.parametrize(
    ("shapes", "base", "code"),
    [
        ({"unet.conv_in.weight": [320, 4, 3, 3]}, "sd1", "lora_invalid"),  # weights, not a LoRA
        ({f"{ATTN2_K}.lora_A.weight": [4, 2048]}, "sd1", "lora_base_mismatch"),
        ({f"{ATTN2_K}.lora_A.weight": [4, 768]}, "sdxl", "lora_base_mismatch"),
        ({f"{ATTN2_K}.lora_A.weight": [4, 768]}, "pixart", "lora_base_mismatch"),
        ({f"{ATTN2_K}.lora_A.weight": [4, 768]}, "sd1", None),
        ({f"{ATTN2_K}.lora_A.weight": [4, 32]}, "sd1", None),
        # LyCORIS LoHa / LoKr: diffusers 0.42 cannot load them for these families.
        ({"lora_unet_down_blocks_0_attn.hada_w1_a": [4, 320]}, "sd1", "lora_invalid"),
        ({"lora_unet_down_blocks_0_attn.lokr_w1": [4, 4]}, "sdxl", "lora_invalid"),
    ],
)
def test_refuses_what_is_no_lora_or_targets_another_family(tmp_path, shapes, base, code):
    path = header_file(tmp_path / "l.safetensors", shapes)
    if code is None:
        check_adapter(path, base, "LoRA x/y")
        return
    with pytest.raises(WorkerError) as err:
        check_adapter(path, base, "LoRA x/y")
    assert err.value.code == code and "LoRA" in err.value.message


@pytest.mark.parametrize(
    ("files", "weight_name", "chosen"),
    [
        (
            ["a.safetensors", "pytorch_lora_weights.safetensors"],
            None,
            "pytorch_lora_weights.safetensors",
        ),
        (["README.md", "style.safetensors", "sub/x.safetensors"], None, "style.safetensors"),
        (["a.safetensors", "b.safetensors"], "b.safetensors", "b.safetensors"),
        (["a.safetensors", "b.safetensors"], None, None),
        (["model.bin"], None, None),
        (["a.safetensors"], "c.safetensors", None),
    ],
)
def test_chooses_the_adapter_file_of_a_repo(files, weight_name, chosen):
    if chosen is None:
        with pytest.raises(WorkerError) as err:
            choose_file(files, weight_name, "LoRA x/y")
        assert err.value.code == "lora_invalid"
    else:
        assert choose_file(files, weight_name, "LoRA x/y") == chosen
