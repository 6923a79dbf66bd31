import { imageInfo } from './image-size';

function png(width: number, height: number): Buffer {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b;
}

function jpeg(width: number, height: number): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x04, 0x00, 0x00]);
  const sof = Buffer.alloc(11);
  sof.writeUInt16BE(0xffc0, 0);
  sof.writeUInt16BE(9, 2);
  sof.writeUInt8(8, 4);
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof]);
}

describe('imageInfo', () => {
  it.each([
    ['a PNG, from IHDR', png(512, 768), { format: 'png', width: 512, height: 768 }],
    ['a 1x1 PNG is said to be 1x1', png(1, 1), { format: 'png', width: 1, height: 1 }],
    [
      'a JPEG, from its start of frame',
      jpeg(640, 480),
      { format: 'jpeg', width: 640, height: 480 },
    ],
    ['anything else', Buffer.from('RIFF....WEBPVP8 '), null],
    ['a truncated PNG', png(5, 5).subarray(0, 20), null],
  ])('%s', (_what, bytes, expected) => {
    expect(imageInfo(bytes)).toEqual(expected);
  });
});
