def test_numpy_imports():
    import numpy
    assert numpy.__version__
