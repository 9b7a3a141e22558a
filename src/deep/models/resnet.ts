/** ResNet-18 and ResNet-34 (He et al. 2016), laid out as torchvision's, with any number of input channels. */
import type { LayerNode, ModelSpec } from './spec.js';

export interface ResnetOptions {
  channels: number;
  classes: number;
  size?: number;
}

const BLOCKS = { resnet18: [2, 2, 2, 2], resnet34: [3, 4, 6, 3] } as const;

/** The spec of a ResNet with basic blocks. */
export function resnet(depth: keyof typeof BLOCKS, options: ResnetOptions): ModelSpec {
  const { channels, classes, size = 64 } = options;
  const nodes: LayerNode[] = [
    { name: 'conv1', op: 'conv2d', in: channels, out: 64, kernel: 7, stride: 2, padding: 3, bias: false },
    { name: 'bn1', op: 'batchnorm2d', features: 64 },
    { name: 'relu1', op: 'relu' },
    { name: 'maxpool', op: 'maxpool2d', kernel: 3, stride: 2, padding: 1 },
  ];
  let inChannels = 64;
  let previous = 'maxpool';
  BLOCKS[depth].forEach((count, stage) => {
    const width = 64 * 2 ** stage;
    for (let i = 0; i < count; i++) {
      const b = `layer${stage + 1}_${i}`;
      const stride = stage > 0 && i === 0 ? 2 : 1;
      nodes.push(
        { name: `${b}_conv1`, op: 'conv2d', inputs: [previous], in: inChannels, out: width, kernel: 3, stride, padding: 1, bias: false },
        { name: `${b}_bn1`, op: 'batchnorm2d', features: width },
        { name: `${b}_relu1`, op: 'relu' },
        { name: `${b}_conv2`, op: 'conv2d', in: width, out: width, kernel: 3, padding: 1, bias: false },
        { name: `${b}_bn2`, op: 'batchnorm2d', features: width },
      );
      let shortcut = previous;
      if (stride !== 1 || inChannels !== width) {
        nodes.push(
          { name: `${b}_down`, op: 'conv2d', inputs: [previous], in: inChannels, out: width, kernel: 1, stride, bias: false },
          { name: `${b}_down_bn`, op: 'batchnorm2d', features: width },
        );
        shortcut = `${b}_down_bn`;
      }
      nodes.push({ name: `${b}_add`, op: 'add', inputs: [`${b}_bn2`, shortcut] }, { name: `${b}_relu2`, op: 'relu' });
      previous = `${b}_relu2`;
      inChannels = width;
    }
  });
  nodes.push(
    { name: 'avgpool', op: 'globalavgpool' },
    { name: 'flatten', op: 'flatten' },
    { name: 'fc', op: 'linear', in: inChannels, out: classes },
  );
  return { arch: depth, task: 'classification', inputShape: [channels, size, size], classes, nodes };
}
