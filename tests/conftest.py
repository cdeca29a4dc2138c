import pytest
import torch


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # Two cores on CI: one intra-op thread per test avoids oversubscription
    # when joblib workers run beside the main process.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
