// Losses in the vocabulary of the Keras EuroSAT pipeline, computed on logits and class-index targets.
#pragma once

#include <torch/torch.h>

#include <string>

namespace tileflow {

struct LossOptions {
  std::string name = "categorical_crossentropy";
  double focalGamma = 2.0;
};

/// Validates a loss name; throws std::invalid_argument naming the supported ones.
void checkLoss(const std::string& name);

/// Mean loss of logits [N, K] or [N, K, H, W] against class indices [N] or [N, H, W] (negative = ignored).
torch::Tensor computeLoss(const LossOptions& options, const torch::Tensor& logits, const torch::Tensor& target);

}  // namespace tileflow
