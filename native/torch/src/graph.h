// A network built from a layer-graph spec: the same spec src/deep/onnx writes to ONNX.
#pragma once

#include <torch/script.h>
#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tileflow {

/// One node of the spec: an operation, the names of its inputs and its numeric parameters.
struct NodeSpec {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;
  std::map<std::string, double> params;
  std::string path;  // TorchScript file, for op "torchscript"

  double param(const std::string& key, double fallback) const;
  int64_t intParam(const std::string& key) const;
  int64_t intParam(const std::string& key, int64_t fallback) const;
};

/// A directed acyclic graph of layers; each node reads named earlier outputs.
class GraphNetImpl : public torch::nn::Module {
 public:
  explicit GraphNetImpl(std::vector<NodeSpec> nodes);
  torch::Tensor forward(const torch::Tensor& input);

  /// Parameters (or buffers) of layers and of TorchScript modules, in spec order, with dotted names.
  std::vector<std::pair<std::string, torch::Tensor>> namedTensors(bool buffers);
  void setMode(bool training);
  void moveTo(const torch::Device& device);

 private:
  std::vector<NodeSpec> nodes_;
  std::map<std::string, torch::nn::AnyModule> layers_;
  std::map<std::string, torch::jit::Module> scripted_;
};
TORCH_MODULE(GraphNet);

}  // namespace tileflow
