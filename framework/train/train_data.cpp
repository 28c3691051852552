#include "train/train_data.hpp"

#include <stdexcept>
#include <string>

namespace promptlab {

int TrainData::view_count() const { return stream ? streamed_views : static_cast<int>(views.size()); }

torch::Tensor TrainData::rows(int view, const torch::Tensor& rows) const {
  if (view < 0 || view >= view_count()) {
    throw std::out_of_range("training data: view " + std::to_string(view) + " of " + std::to_string(view_count()));
  }
  if (stream) return stream(view, rows);
  const torch::Tensor& all = views[static_cast<std::size_t>(view)];
  return all.index_select(0, rows.to(all.device()));
}

}  // namespace promptlab
