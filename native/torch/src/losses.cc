#include "losses.h"

#include <stdexcept>

namespace tileflow {

namespace F = torch::nn::functional;

void checkLoss(const std::string& name) {
  static const char* known[] = {"categorical_crossentropy", "binary_crossentropy", "cosine_similarity",
                                "mean_absolute_error",      "mean_squared_logarithmic_error",
                                "squared_hinge",            "dice",
                                "focal"};
  for (const char* k : known)
    if (name == k) return;
  throw std::invalid_argument(
      "unknown loss " + name +
      "; expected categorical_crossentropy, binary_crossentropy, cosine_similarity, mean_absolute_error, "
      "mean_squared_logarithmic_error, squared_hinge, dice or focal");
}

namespace {

// Moves the class axis last: [N, K, H, W] -> [N*H*W, K]; [N, K] stays.
torch::Tensor classesLast(const torch::Tensor& t) {
  if (t.dim() == 2) return t;
  return t.movedim(1, -1).reshape({-1, t.size(1)});
}

}  // namespace

torch::Tensor computeLoss(const LossOptions& options, const torch::Tensor& logits, const torch::Tensor& target) {
  const auto& name = options.name;
  auto flatLogits = classesLast(logits);
  auto flatTarget = target.reshape({-1});
  if (flatLogits.size(0) != flatTarget.size(0))
    throw std::invalid_argument("labels do not match the model output: " + std::to_string(flatTarget.size(0)) +
                                " labels for " + std::to_string(flatLogits.size(0)) + " predictions");
  const auto classes = flatLogits.size(1);
  if (name == "categorical_crossentropy") {
    return F::cross_entropy(flatLogits, flatTarget, F::CrossEntropyFuncOptions().ignore_index(-1));
  }
  // The remaining losses compare against one-hot targets; ignored (negative) labels are dropped.
  auto keep = flatTarget.ge(0);
  if (!keep.all().item<bool>()) {
    flatLogits = flatLogits.index({keep});
    flatTarget = flatTarget.index({keep});
  }
  auto oneHot = F::one_hot(flatTarget, classes).to(flatLogits.scalar_type());
  if (name == "focal") {
    auto logp = F::log_softmax(flatLogits, 1).gather(1, flatTarget.unsqueeze(1)).squeeze(1);
    auto p = logp.exp();
    return (-(1 - p).pow(options.focalGamma) * logp).mean();
  }
  if (name == "binary_crossentropy") return F::binary_cross_entropy_with_logits(flatLogits, oneHot);
  if (name == "squared_hinge") {
    auto sign = oneHot * 2 - 1;
    return torch::clamp_min(1 - sign * flatLogits, 0).pow(2).mean();
  }
  auto probabilities = F::softmax(flatLogits, 1);
  if (name == "cosine_similarity") return -F::cosine_similarity(probabilities, oneHot, F::CosineSimilarityFuncOptions().dim(1)).mean();
  if (name == "mean_absolute_error") return (probabilities - oneHot).abs().mean();
  if (name == "mean_squared_logarithmic_error")
    return (torch::log1p(probabilities) - torch::log1p(oneHot)).pow(2).mean();
  if (name == "dice") {
    // Soft Dice over each class, averaged: 1 - 2|P∩T| / (|P| + |T|).
    auto intersection = (probabilities * oneHot).sum(0);
    auto total = probabilities.sum(0) + oneHot.sum(0);
    return 1 - ((2 * intersection + 1) / (total + 1)).mean();
  }
  checkLoss(name);
  throw std::invalid_argument("unhandled loss " + name);
}

}  // namespace tileflow
