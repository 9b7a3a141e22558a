"""Makes the prediction benchmark's model: a ResNet tile classifier exported to ONNX, with its MLM item.

The model stands for a production tile classifier on CPU (say "building / no building" on 256 x 256
RGB web-map tiles). `--arch resnet18` (the default) is ResNet-18 as torchvision builds it: a 7x7/2
convolution to 64 channels, batch norm, ReLU, 3x3/2 max pool; four stages of two basic blocks (two
3x3 convolutions with batch norm and a residual connection; a 1x1/2 projection where a stage halves
the grid) at 64, 128, 256 and 512 channels; global average pool; a linear layer to 2 classes;
softmax. `--arch resnet10-half` is a lighter one: one block per stage at 32 to 256 channels. Weights
are random from a fixed seed (speed does not depend on them). Exported with PyTorch (Debian's
python3-torch) to ONNX opset 13 with a dynamic batch axis, as OUT/predict-ARCH.onnx with
OUT/predict-ARCH.mlm.json. Prints the files, the parameter count and the multiply-adds per tile as JSON.

    /usr/bin/python3 bench/make_predict_model.py [--arch resnet18|resnet10-half] [--out bench/out]
"""
import argparse
import json
import os

import torch
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.down is None else self.down(x)
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + identity)


class TileClassifier(nn.Module):
    def __init__(self, widths, depths, classes=2):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 7, 2, 3, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        blocks = []
        cin = widths[0]
        for i, (w, d) in enumerate(zip(widths, depths)):
            for j in range(d):
                blocks.append(BasicBlock(cin, w, 2 if i > 0 and j == 0 else 1))
                cin = w
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return torch.softmax(self.head(x), dim=1)


def multiply_adds(model, size):
    """Multiply-adds of one forward pass on a size x size tile (convolutions and the linear layer)."""
    total = 0

    def conv_hook(module, inputs, output):
        nonlocal total
        total += output.numel() // output.shape[0] * (module.in_channels // module.groups) * module.kernel_size[0] * module.kernel_size[1]

    def linear_hook(module, inputs, output):
        nonlocal total
        total += module.in_features * module.out_features

    hooks = [m.register_forward_hook(conv_hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(linear_hook) for m in model.modules() if isinstance(m, nn.Linear)]
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    for h in hooks:
        h.remove()
    return total


ARCHITECTURES = {
    # ResNet-18 as torchvision builds it (ImageNet widths and depths), with a 2-class head.
    "resnet18": {"widths": (64, 128, 256, 512), "depths": (2, 2, 2, 2), "name": "ResNet-18"},
    # ResNet-18 at half width: the benchmark's default (about 100 tiles/s on a 2-core VM).
    "resnet18-half": {"widths": (32, 64, 128, 256), "depths": (2, 2, 2, 2), "name": "ResNet-18 at half width (32-64-128-256)"},
    # A lighter one: one block per stage at half width (ResNet-10, widths 32 to 256).
    "resnet10-half": {"widths": (32, 64, 128, 256), "depths": (1, 1, 1, 1), "name": "ResNet-10 at half width (32-64-128-256)"},
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default="resnet18-half")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out"))
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    spec = ARCHITECTURES[args.arch]
    torch.manual_seed(20261123)
    model = TileClassifier(spec["widths"], spec["depths"])
    with torch.no_grad():
        # Running statistics a trained network could have, so activations neither vanish nor blow up.
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 2.0)
    model.eval()
    size = 256
    params = sum(p.numel() for p in model.parameters())
    macs = multiply_adds(model, size)
    onnx_path = os.path.join(out, "predict-%s.onnx" % args.arch)
    torch.onnx.export(
        model,
        torch.rand(2, 3, size, size),
        onnx_path,
        input_names=["image"],
        output_names=["probabilities"],
        dynamic_axes={"image": {0: "batch"}, "probabilities": {0: "batch"}},
        opset_version=13,
    )
    # ImageNet's per-band statistics on 0-255 values: what a classifier fine-tuned from ImageNet weights expects.
    mean = [123.675, 116.28, 103.53]
    std = [58.395, 57.12, 57.375]
    item = {
        "type": "Feature",
        "stac_version": "1.0.0",
        "stac_extensions": ["https://stac-extensions.github.io/mlm/v1.5.2/schema.json"],
        "id": "predict-bench-%s" % args.arch,
        "geometry": None,
        "properties": {
            "datetime": "2026-11-23T00:00:00Z",
            "description": "%s tile classifier, random seeded weights, exported by PyTorch %s (tileflow's prediction benchmark)" % (spec["name"], torch.__version__),
            "mlm:name": "predict-bench-%s" % args.arch,
            "mlm:architecture": spec["name"],
            "mlm:tasks": ["classification"],
            "mlm:framework": "pytorch",
            "mlm:framework_version": torch.__version__,
            "mlm:total_parameters": params,
            "mlm:pretrained": False,
            "tileflow:zoom": 16,
            "mlm:input": [
                {
                    "name": "RGB",
                    "bands": ["red", "green", "blue"],
                    "input": {"shape": [-1, 3, size, size], "dim_order": ["batch", "bands", "height", "width"], "data_type": "float32"},
                    "value_scaling": [{"type": "z-score", "mean": m, "stddev": s} for m, s in zip(mean, std)],
                    "pre_processing_function": None,
                }
            ],
            "mlm:output": [
                {
                    "name": "probabilities",
                    "tasks": ["classification"],
                    "result": {"shape": [-1, 2], "dim_order": ["batch", "class"], "data_type": "float32"},
                    "classification:classes": [
                        {"value": 0, "name": "no building", "color_hint": "7f7f7f"},
                        {"value": 1, "name": "building", "color_hint": "d62728"},
                    ],
                    "post_processing_function": None,
                }
            ],
        },
        "links": [],
        "assets": {
            "model": {
                "href": "./predict-%s.onnx" % args.arch,
                "type": "application/octet-stream; framework=onnx; profile=onnx",
                "roles": ["mlm:model"],
                "mlm:artifact_type": "onnx",
            }
        },
    }
    with open(os.path.join(out, "predict-%s.mlm.json" % args.arch), "w") as f:
        json.dump(item, f, indent=1)
        f.write("\n")
    print(json.dumps({"arch": args.arch, "onnx": onnx_path, "mlm": os.path.join(out, "predict-%s.mlm.json" % args.arch), "parameters": params, "multiply_adds": macs, "size": size}))


if __name__ == "__main__":
    main()
