import {
  hasLoraKeys,
  isLycorisOnly,
  loraFamily,
  loraFamilyFromCard,
  loraFamilyFromTensors,
} from './lora-family';

const t = (name: string, shape: number[] = [4, 4]) => ({ name, shape });

describe('loraFamilyFromTensors', () => {
  it.each([
    [
      'kohya SD 1.5 (768-wide cross-attention context)',
      [
        t(
          'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight',
          [64, 768],
        ),
      ],
      'sd1',
    ],
    [
      'diffusers SD 1.5 (unet. keys, PEFT lora_A)',
      [
        t(
          'unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight',
          [8, 768],
        ),
      ],
      'sd1',
    ],
    [
      'SD 1.5 with a 768-wide text encoder and no cross-attention keys',
      [
        t('lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight', [8, 320]),
        t('lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight', [8, 768]),
      ],
      'sd1',
    ],
    [
      'SD 2.x (1024-wide context)',
      [
        t(
          'unet.up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.lora.down.weight',
          [4, 1024],
        ),
      ],
      'sd2',
    ],
    [
      'SDXL by its 2048-wide context',
      [
        t(
          'lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.lora_down.weight',
          [32, 2048],
        ),
      ],
      'sdxl',
    ],
    [
      'SDXL by its second text encoder (kohya)',
      [t('lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight', [8, 1280])],
      'sdxl',
    ],
    [
      'SDXL by its second text encoder (diffusers)',
      [t('text_encoder_2.text_model.encoder.layers.0.self_attn.q_proj.lora_A.weight', [8, 1280])],
      'sdxl',
    ],
    [
      'SDXL by its deeper transformer stacks',
      [
        t(
          'unet.down_blocks.2.attentions.1.transformer_blocks.9.attn1.to_q.lora_A.weight',
          [8, 1280],
        ),
      ],
      'sdxl',
    ],
    [
      'FLUX (single transformer blocks)',
      [t('transformer.single_transformer_blocks.0.attn.to_q.lora_A.weight', [16, 3072])],
      'flux',
    ],
    [
      'FLUX (kohya double blocks)',
      [t('lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight')],
      'flux',
    ],
    [
      'FLUX double blocks only, by width',
      [
        t('transformer.transformer_blocks.0.attn.add_k_proj.lora_A.weight', [16, 3072]),
        t('transformer.transformer_blocks.0.attn.to_q.lora_A.weight', [16, 3072]),
      ],
      'flux',
    ],
    ['SD3 (joint blocks)', [t('transformer.joint_blocks.0.x_block.attn.qkv.lora_A.weight')], 'sd3'],
    [
      'SD3 (diffusers, 1536 wide)',
      [
        t('transformer.transformer_blocks.0.attn.add_k_proj.lora_A.weight', [16, 1536]),
        t('transformer.transformer_blocks.0.attn.to_q.lora_A.weight', [16, 1536]),
      ],
      'sd3',
    ],
    ['Wan (native names)', [t('diffusion_model.blocks.0.cross_attn.k.lora_A.weight')], 'wan'],
    [
      'Wan (diffusers names)',
      [t('transformer.blocks.3.attn2.to_k.lora_A.weight', [16, 1536])],
      'wan',
    ],
    ['nothing telling', [t('some.unknown.lora_A.weight')], null],
  ])('%s', (_what, tensors, family) => {
    expect(loraFamilyFromTensors(tensors)).toBe(family);
  });
});

describe('loraFamilyFromCard', () => {
  it.each([
    ['stabilityai/stable-diffusion-xl-base-1.0', 'sdxl'],
    ['runwayml/stable-diffusion-v1-5', 'sd1'],
    ['stabilityai/stable-diffusion-2-1', 'sd2'],
    ['black-forest-labs/FLUX.1-dev', 'flux'],
    ['stabilityai/stable-diffusion-3-medium-diffusers', 'sd3'],
    ['Wan-AI/Wan2.1-T2V-14B-Diffusers', 'wan'],
    [['some/finetune', 'black-forest-labs/FLUX.1-dev'], 'flux'],
    ['some/unknown-model', null],
    [null, null],
    [42, null],
  ])('%j → %s', (baseModel, family) => {
    expect(loraFamilyFromCard(baseModel)).toBe(family);
  });
});

describe('loraFamily', () => {
  it('trusts the header over the card', () => {
    const sd15 = [
      t(
        'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight',
        [8, 768],
      ),
    ];
    expect(loraFamily(sd15, 'stabilityai/stable-diffusion-xl-base-1.0')).toBe('sd1');
  });

  it('falls back to the card when the header does not tell', () => {
    expect(loraFamily([t('x.lora_A.weight')], 'stabilityai/sdxl-turbo')).toBe('sdxl');
  });
});

describe('hasLoraKeys', () => {
  it.each([
    [['unet.a.lora_A.weight'], true],
    [['unet.a.lora.down.weight'], true],
    [['lora_unet_a.lora_down.weight', 'lora_unet_a.alpha'], true],
    [['lycoris_a.hada_w1_a'], false],
    [['lora_unet_a.lokr_w1', 'lora_unet_a.alpha'], false],
    [['double_blocks.0.processor.proj_lora1.down.weight'], true],
    [['double_blocks.0.processor.qkv_lora2.up.weight'], true],
    [['model.diffusion_model.input_blocks.0.0.weight'], false],
    [[], false],
  ])('%j → %s', (names, expected) => {
    expect(hasLoraKeys(names)).toBe(expected);
  });

  it('tells LoHa/LoKr files apart, so the refusal can say why', () => {
    expect(isLycorisOnly(['lora_unet_a.hada_w1_a', 'lora_unet_a.alpha'])).toBe(true);
    expect(isLycorisOnly(['unet.a.lora_A.weight'])).toBe(false);
    expect(isLycorisOnly(['model.weight'])).toBe(false);
  });
});
