"""e-SAKIP: the performance cascade, quarterly realisation, attainment, the LKE and the E-RK link."""
