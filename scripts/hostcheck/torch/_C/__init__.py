def _cuda_getCurrentRawStream(index):
    return 0
