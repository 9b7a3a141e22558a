#include "graph.h"

#include <stdexcept>

namespace tileflow {

double NodeSpec::param(const std::string& key, double fallback) const {
  auto it = params.find(key);
  return it == params.end() ? fallback : it->second;
}

int64_t NodeSpec::intParam(const std::string& key) const {
  auto it = params.find(key);
  if (it == params.end()) throw std::invalid_argument("node " + name + " (" + op + ") needs parameter " + key);
  return static_cast<int64_t>(it->second);
}

int64_t NodeSpec::intParam(const std::string& key, int64_t fallback) const {
  return static_cast<int64_t>(param(key, static_cast<double>(fallback)));
}

namespace {

/// Runs a multi-layer LSTM over [N, T, F] and returns the last time step's hidden state [N, H].
struct LastHiddenLSTMImpl : torch::nn::Module {
  explicit LastHiddenLSTMImpl(const torch::nn::LSTMOptions& options) {
    lstm = register_module("lstm", torch::nn::LSTM(options));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto out = lstm->forward(x);
    auto h = std::get<0>(std::get<1>(out));  // [layers, N, H]
    return h[h.size(0) - 1];
  }
  torch::nn::LSTM lstm{nullptr};
};
TORCH_MODULE(LastHiddenLSTM);

}  // namespace

GraphNetImpl::GraphNetImpl(std::vector<NodeSpec> nodes) : nodes_(std::move(nodes)) {
  namespace nn = torch::nn;
  for (const auto& n : nodes_) {
    nn::AnyModule layer;
    if (n.op == "conv2d") {
      auto k = n.intParam("kernel");
      layer = nn::AnyModule(nn::Conv2d(nn::Conv2dOptions(n.intParam("in"), n.intParam("out"), k)
                                           .stride(n.intParam("stride", 1))
                                           .padding(n.intParam("padding", 0))
                                           .bias(n.param("bias", 1) != 0)));
    } else if (n.op == "convtranspose2d") {
      layer = nn::AnyModule(nn::ConvTranspose2d(
          nn::ConvTranspose2dOptions(n.intParam("in"), n.intParam("out"), n.intParam("kernel"))
              .stride(n.intParam("stride", 1))
              .padding(n.intParam("padding", 0))
              .output_padding(n.intParam("outputPadding", 0))));
    } else if (n.op == "batchnorm2d") {
      layer = nn::AnyModule(nn::BatchNorm2d(
          nn::BatchNorm2dOptions(n.intParam("features")).eps(n.param("eps", 1e-5)).momentum(n.param("momentum", 0.1))));
    } else if (n.op == "linear") {
      layer = nn::AnyModule(nn::Linear(nn::LinearOptions(n.intParam("in"), n.intParam("out"))));
    } else if (n.op == "maxpool2d") {
      auto k = n.intParam("kernel");
      layer = nn::AnyModule(
          nn::MaxPool2d(nn::MaxPool2dOptions(k).stride(n.intParam("stride", k)).padding(n.intParam("padding", 0))));
    } else if (n.op == "dropout") {
      layer = nn::AnyModule(nn::Dropout(nn::DropoutOptions(n.param("p", 0.5))));
    } else if (n.op == "lstm") {
      layer = nn::AnyModule(LastHiddenLSTM(nn::LSTMOptions(n.intParam("in"), n.intParam("hidden"))
                                               .num_layers(n.intParam("layers", 1))
                                               .batch_first(true)));
    } else if (n.op == "torchscript") {
      scripted_.emplace(n.name, torch::jit::load(n.path));
      continue;
    } else if (n.op == "relu" || n.op == "sigmoid" || n.op == "globalavgpool" || n.op == "flatten" ||
               n.op == "add" || n.op == "concat") {
      continue;
    } else {
      throw std::invalid_argument("node " + n.name + ": unknown operation " + n.op);
    }
    register_module(n.name, layer.ptr());
    layers_.emplace(n.name, std::move(layer));
  }
}

torch::Tensor GraphNetImpl::forward(const torch::Tensor& input) {
  std::map<std::string, torch::Tensor> values;
  values.emplace("input", input);
  torch::Tensor previous = input;
  auto lookup = [&](const std::string& key) -> const torch::Tensor& {
    auto it = values.find(key);
    if (it == values.end()) throw std::invalid_argument("unknown node input " + key);
    return it->second;
  };
  for (const auto& n : nodes_) {
    std::vector<torch::Tensor> in;
    if (n.inputs.empty()) {
      in.push_back(previous);
    } else {
      for (const auto& key : n.inputs) in.push_back(lookup(key));
    }
    torch::Tensor out;
    if (n.op == "relu") {
      out = torch::relu(in[0]);
    } else if (n.op == "sigmoid") {
      out = torch::sigmoid(in[0]);
    } else if (n.op == "globalavgpool") {
      out = torch::adaptive_avg_pool2d(in[0], {1, 1});
    } else if (n.op == "flatten") {
      out = torch::flatten(in[0], 1);
    } else if (n.op == "add") {
      out = in[0];
      for (size_t i = 1; i < in.size(); ++i) out = out + in[i];
    } else if (n.op == "concat") {
      out = torch::cat(in, 1);
    } else if (n.op == "torchscript") {
      out = scripted_.at(n.name).forward({in[0]}).toTensor();
    } else {
      out = layers_.at(n.name).forward(in[0]);
    }
    values[n.name] = out;
    previous = out;
  }
  return previous;
}

std::vector<std::pair<std::string, torch::Tensor>> GraphNetImpl::namedTensors(bool buffers) {
  std::vector<std::pair<std::string, torch::Tensor>> result;
  for (const auto& n : nodes_) {
    if (n.op == "torchscript") {
      auto& module = scripted_.at(n.name);
      if (buffers) {
        for (const auto& item : module.named_buffers(true)) result.emplace_back(n.name + "." + item.name, item.value);
      } else {
        for (const auto& item : module.named_parameters(true)) result.emplace_back(n.name + "." + item.name, item.value);
      }
      continue;
    }
    auto it = layers_.find(n.name);
    if (it == layers_.end()) continue;
    auto module = it->second.ptr();
    auto items = buffers ? module->named_buffers(true) : module->named_parameters(true);
    for (const auto& item : items) result.emplace_back(n.name + "." + item.key(), item.value());
  }
  return result;
}

void GraphNetImpl::setMode(bool training) {
  train(training);
  for (auto& entry : scripted_) entry.second.train(training);
}

void GraphNetImpl::moveTo(const torch::Device& device) {
  to(device);
  for (auto& entry : scripted_) entry.second.to(device);
}

}  // namespace tileflow
