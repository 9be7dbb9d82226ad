using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Promotion;

/// <summary>The three label classes, numbered as in the dataset's labels and the columns of predictions.npy.</summary>
[JsonConverter(typeof(SnakeCaseNames<PriceMove>))]
public enum PriceMove
{
    Down = 0,
    Flat = 1,
    Up = 2,
}
